package meta

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The Marketing API objects of Click-to-Messenger ads (reference §3). This file creates campaigns and ad
// sets; marketing_creative.go creates creatives and ads; marketing_read.go reads them back and changes
// their status.

// ErrInvalidAdObject is a campaign, ad set, creative or ad Meta would refuse; relance refuses it before calling.
var ErrInvalidAdObject = errors.New("meta: invalid ad object")

// Statuses of campaigns, ad sets and ads. Their effective_status adds PENDING_REVIEW, DISAPPROVED,
// CAMPAIGN_PAUSED, ADSET_PAUSED, WITH_ISSUES and others.
const (
	AdStatusActive   = "ACTIVE"
	AdStatusPaused   = "PAUSED"
	AdStatusArchived = "ARCHIVED"
	AdStatusDeleted  = "DELETED"
)

// Campaign objectives relance creates: the current outcome-based ones and the legacy MESSAGES.
const (
	ObjectiveEngagement = "OUTCOME_ENGAGEMENT"
	ObjectiveSales      = "OUTCOME_SALES"
	ObjectiveTraffic    = "OUTCOME_TRAFFIC"
	ObjectiveLeads      = "OUTCOME_LEADS"
	ObjectiveMessages   = "MESSAGES"
)

// Messenger placements of an ad set (targeting.messenger_positions).
const (
	PositionMessengerHome     = "messenger_home"     // home-screen (Inbox) ads
	PositionSponsoredMessages = "sponsored_messages" // end of life on Meta
	PositionStory             = "story"              // removed in v26.0
)

// badAd wraps ErrInvalidAdObject with the reason.
func badAd(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidAdObject, fmt.Sprintf(format, a...))
}

// CampaignSpec is a campaign to create. Status defaults to PAUSED so nothing spends before it is reviewed.
type CampaignSpec struct {
	Name                string
	Objective           string
	Status              string
	SpecialAdCategories []string // empty for ordinary ads; sent as [] since Meta requires the array
}

// CreateCampaign creates an auction campaign in the ad account (act_ prefix optional) and returns its id.
func (c *Client) CreateCampaign(ctx context.Context, token, accountID string, s CampaignSpec) (string, error) {
	status, err := createStatusOf(s.Status)
	switch {
	case err != nil:
		return "", err
	case s.Name == "":
		return "", badAd("a campaign needs a name")
	case !slices.Contains([]string{ObjectiveEngagement, ObjectiveSales, ObjectiveTraffic, ObjectiveLeads, ObjectiveMessages}, s.Objective):
		return "", badAd("objective %q is not one relance creates", s.Objective)
	}
	cats := s.SpecialAdCategories
	if cats == nil {
		cats = []string{}
	}
	body := map[string]any{"name": s.Name, "objective": s.Objective, "buying_type": "AUCTION",
		"special_ad_categories": cats, "status": status}
	return c.createAdObject(ctx, token, adAccountNode(accountID)+"/campaigns", body)
}

// ScheduleBlock is one dayparting block (adset_schedule): whole hours as minutes from midnight, days 0
// (Sunday) to 6, in the USER's or the ADVERTISER's time zone (default USER).
type ScheduleBlock struct {
	StartMinute  int    `json:"start_minute"`
	EndMinute    int    `json:"end_minute"`
	Days         []int  `json:"days"`
	TimezoneType string `json:"timezone_type,omitempty"`
}

// AdSetSpec is a Click-to-Messenger ad set to create: destination MESSENGER, optimised for conversations,
// billed on impressions. Exactly one of DailyBudget and LifetimeBudget is set, in the ad account's
// currency (Meta cannot tell a budget in the wrong currency: the caller must use the account's).
type AdSetSpec struct {
	CampaignID          string
	Name                string
	PageID              string // promoted_object.page_id: the Page the conversations open with
	DailyBudget         Money
	LifetimeBudget      Money // needs End
	Start, End          time.Time
	Countries           []string // targeting.geo_locations.countries (ISO alpha-2)
	CustomAudienceIDs   []string
	ExcludedAudienceIDs []string
	PublisherPlatforms  []string // facebook, instagram, messenger …; messenger is added for MessengerPositions
	MessengerPositions  []string // PositionMessengerHome …
	Schedule            []ScheduleBlock
	Status              string // default PAUSED
}

// CreateAdSet creates the ad set and returns its id.
func (c *Client) CreateAdSet(ctx context.Context, token, accountID string, s AdSetSpec) (string, error) {
	body, err := s.body()
	if err != nil {
		return "", err
	}
	return c.createAdObject(ctx, token, adAccountNode(accountID)+"/adsets", body)
}

// body builds the ad set JSON after the checks that cost nothing.
func (s AdSetSpec) body() (map[string]any, error) {
	status, err := createStatusOf(s.Status)
	if err != nil {
		return nil, err
	}
	daily, lifetime := s.DailyBudget != (Money{}), s.LifetimeBudget != (Money{})
	switch {
	case s.Name == "" || s.CampaignID == "" || s.PageID == "":
		return nil, badAd("an ad set needs a name, a campaign and a Page")
	case daily == lifetime:
		return nil, badAd("an ad set needs exactly one of a daily and a lifetime budget")
	case lifetime && s.End.IsZero():
		return nil, badAd("a lifetime budget needs an end time")
	case !s.End.IsZero() && !s.Start.IsZero() && !s.End.After(s.Start):
		return nil, badAd("the end time must be after the start time")
	case len(s.Schedule) > 0 && !lifetime:
		return nil, badAd("dayparting (a schedule) needs a lifetime budget")
	}
	for _, b := range s.Schedule {
		if b.StartMinute%60 != 0 || b.EndMinute%60 != 0 || b.StartMinute < 0 || b.EndMinute > 1440 || b.StartMinute >= b.EndMinute {
			return nil, badAd("schedule blocks are whole hours within the day, start before end")
		}
	}
	for _, p := range s.MessengerPositions {
		if p != PositionMessengerHome && p != PositionSponsoredMessages && p != PositionStory {
			return nil, badAd("unknown Messenger position %q", p)
		}
	}
	targeting := AdSetTargeting{Countries: s.Countries, CustomAudienceIDs: s.CustomAudienceIDs,
		ExcludedAudienceIDs: s.ExcludedAudienceIDs, PublisherPlatforms: s.PublisherPlatforms,
		MessengerPositions: s.MessengerPositions}.body()
	body := map[string]any{"name": s.Name, "campaign_id": s.CampaignID, "destination_type": "MESSENGER",
		"optimization_goal": "CONVERSATIONS", "billing_event": "IMPRESSIONS", "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
		"promoted_object": map[string]string{"page_id": s.PageID}, "targeting": targeting, "status": status}
	budget, key := s.DailyBudget, "daily_budget"
	if lifetime {
		budget, key = s.LifetimeBudget, "lifetime_budget"
	}
	units, err := ToMetaBudget(budget)
	if err != nil {
		return nil, fmt.Errorf("meta: ad set %s: %w", key, err)
	}
	if units == 0 {
		return nil, badAd("the %s is zero", key)
	}
	body[key] = units
	if !s.Start.IsZero() {
		body["start_time"] = s.Start.UTC().Format(time.RFC3339)
	}
	if !s.End.IsZero() {
		body["end_time"] = s.End.UTC().Format(time.RFC3339)
	}
	if len(s.Schedule) > 0 {
		body["pacing_type"] = []string{"day_parting"}
		body["adset_schedule"] = s.Schedule
	}
	return body, nil
}

// AdSetTargeting is whom an ad set reaches: the part of AdSetSpec that UpdateAdSet can replace.
type AdSetTargeting struct {
	Countries           []string
	CustomAudienceIDs   []string
	ExcludedAudienceIDs []string
	PublisherPlatforms  []string
	MessengerPositions  []string
}

// body writes the targeting spec; messenger joins the platforms when a Messenger position is asked for.
func (t AdSetTargeting) body() map[string]any {
	platforms := slices.Clone(t.PublisherPlatforms)
	if len(t.MessengerPositions) > 0 && !slices.Contains(platforms, "messenger") {
		platforms = append(platforms, "messenger")
	}
	targeting := map[string]any{}
	if len(t.Countries) > 0 {
		targeting["geo_locations"] = map[string]any{"countries": t.Countries}
	}
	if len(t.CustomAudienceIDs) > 0 {
		targeting["custom_audiences"] = idRefs(t.CustomAudienceIDs)
	}
	if len(t.ExcludedAudienceIDs) > 0 {
		targeting["excluded_custom_audiences"] = idRefs(t.ExcludedAudienceIDs)
	}
	if len(platforms) > 0 {
		targeting["publisher_platforms"] = platforms
	}
	if len(t.MessengerPositions) > 0 {
		targeting["messenger_positions"] = t.MessengerPositions
	}
	return targeting
}

// createStatusOf checks a status for a create call, PAUSED when empty.
func createStatusOf(status string) (string, error) {
	switch status {
	case "":
		return AdStatusPaused, nil
	case AdStatusActive, AdStatusPaused:
		return status, nil
	}
	return "", badAd("a new object is ACTIVE or PAUSED, not %q", status)
}

// idRefs writes ids as Meta nests them: [{"id": "…"}].
func idRefs(ids []string) []map[string]string {
	out := make([]map[string]string, len(ids))
	for i, id := range ids {
		out[i] = map[string]string{"id": id}
	}
	return out
}

// adAccountNode is the Graph node of an ad account, with the act_ prefix whether or not the caller gave it.
func adAccountNode(accountID string) string {
	if strings.HasPrefix(accountID, "act_") {
		return accountID
	}
	return "act_" + accountID
}

// createAdObject posts a create call and returns the new object's id. A create whose answer was lost is not
// repeated (once): Meta may have made the object, and a blind retry would make a second one; the caller
// finds it again by name (FindAdObjects) instead.
func (c *Client) createAdObject(ctx context.Context, token, path string, body map[string]any) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	if err := c.call(ctx, request{method: "POST", path: path, token: token, body: body, once: true}, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", fmt.Errorf("meta: POST %s answered no id", path)
	}
	return out.ID, nil
}
