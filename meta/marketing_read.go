package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SetStatus changes the status of a campaign, ad set or ad: ACTIVE, PAUSED, ARCHIVED or DELETED.
func (c *Client) SetStatus(ctx context.Context, token, objectID, status string) error {
	switch status {
	case AdStatusActive, AdStatusPaused, AdStatusArchived, AdStatusDeleted:
	default:
		return badAd("status %q is not ACTIVE, PAUSED, ARCHIVED or DELETED", status)
	}
	if objectID == "" {
		return badAd("no object id")
	}
	var out struct {
		Success bool `json:"success"`
	}
	if err := c.call(ctx, request{method: "POST", path: objectID, token: token, body: map[string]string{"status": status}}, &out); err != nil {
		return err
	}
	if !out.Success {
		return fmt.Errorf("meta: status of %s: Meta did not confirm the change", objectID)
	}
	return nil
}

// Campaign is a campaign as Meta reports it.
type Campaign struct {
	ID                  string
	AccountID           string // without act_
	Name                string
	Objective           string
	BuyingType          string
	Status              string // what relance set
	EffectiveStatus     string // what Meta does with it
	SpecialAdCategories []string
	Created             time.Time
}

// AdSet is an ad set as Meta reports it, budgets converted from Meta's units (zero Money when not set).
type AdSet struct {
	ID, AccountID, CampaignID, Name string
	Status, EffectiveStatus         string
	DestinationType                 string
	OptimizationGoal                string
	BillingEvent                    string
	PageID                          string
	DailyBudget, LifetimeBudget     Money
	Start, End                      time.Time // End zero: runs until stopped
	Countries                       []string  // targeting.geo_locations.countries
	CustomAudienceIDs               []string
	ExcludedAudienceIDs             []string
	PublisherPlatforms              []string
	MessengerPositions              []string
	// Targeting is the whole targeting spec as Meta read it back, keys relance does not model included.
	Targeting json.RawMessage
	Schedule  []ScheduleBlock
	Created   time.Time
}

// Ad is an ad as Meta reports it.
type Ad struct {
	ID, AccountID, CampaignID, AdSetID, CreativeID, Name string
	Status, EffectiveStatus                              string
	// Review is why review refused the ad (ad_review_feedback, "policy: explanation" joined), "" when it did not.
	Review string
	// Issues says what stops delivery of an ad WITH_ISSUES (issues_info summaries and messages).
	Issues  string
	Created time.Time
}

// AdPage is one page of an account's ads; After is the cursor of the next page, "" on the last one.
type AdPage struct {
	Data  []Ad
	After string
}

// Fields relance reads; Graph answers only the fields asked for.
const (
	campaignReadFields = "id,account_id,name,objective,buying_type,status,effective_status,special_ad_categories,created_time"
	adsetReadFields    = "id,account_id,campaign_id,name,status,effective_status,destination_type,optimization_goal," +
		"billing_event,promoted_object,daily_budget,lifetime_budget,start_time,end_time,targeting,adset_schedule,created_time"
	adReadFields = "id,account_id,campaign_id,adset_id,name,status,effective_status,creative{id},created_time," +
		"ad_review_feedback,issues_info"
)

// Campaign reads a campaign.
func (c *Client) Campaign(ctx context.Context, token, id string) (Campaign, error) {
	var w struct {
		ID                  string   `json:"id"`
		AccountID           string   `json:"account_id"`
		Name                string   `json:"name"`
		Objective           string   `json:"objective"`
		BuyingType          string   `json:"buying_type"`
		Status              string   `json:"status"`
		EffectiveStatus     string   `json:"effective_status"`
		SpecialAdCategories []string `json:"special_ad_categories"`
		CreatedTime         string   `json:"created_time"`
	}
	if err := c.readAdObject(ctx, token, id, campaignReadFields, &w); err != nil {
		return Campaign{}, err
	}
	created, err := parseMarketingTime(w.CreatedTime)
	if err != nil {
		return Campaign{}, err
	}
	return Campaign{ID: w.ID, AccountID: w.AccountID, Name: w.Name, Objective: w.Objective, BuyingType: w.BuyingType,
		Status: w.Status, EffectiveStatus: w.EffectiveStatus, SpecialAdCategories: w.SpecialAdCategories,
		Created: created}, nil
}

// AdSet reads an ad set. Meta does not say an ad set's currency: currency is the ad account's, for the budgets.
func (c *Client) AdSet(ctx context.Context, token, id, currency string) (AdSet, error) {
	var w struct {
		ID               string `json:"id"`
		AccountID        string `json:"account_id"`
		CampaignID       string `json:"campaign_id"`
		Name             string `json:"name"`
		Status           string `json:"status"`
		EffectiveStatus  string `json:"effective_status"`
		DestinationType  string `json:"destination_type"`
		OptimizationGoal string `json:"optimization_goal"`
		BillingEvent     string `json:"billing_event"`
		PromotedObject   struct {
			PageID marketingID `json:"page_id"`
		} `json:"promoted_object"`
		DailyBudget    json.Number     `json:"daily_budget"`
		LifetimeBudget json.Number     `json:"lifetime_budget"`
		StartTime      string          `json:"start_time"`
		EndTime        string          `json:"end_time"`
		Schedule       []ScheduleBlock `json:"adset_schedule"`
		CreatedTime    string          `json:"created_time"`
		Targeting      json.RawMessage `json:"targeting"`
	}
	if err := c.readAdObject(ctx, token, id, adsetReadFields, &w); err != nil {
		return AdSet{}, err
	}
	var tg struct {
		GeoLocations struct {
			Countries []string `json:"countries"`
		} `json:"geo_locations"`
		CustomAudiences         []struct{ ID marketingID } `json:"custom_audiences"`
		ExcludedCustomAudiences []struct{ ID marketingID } `json:"excluded_custom_audiences"`
		PublisherPlatforms      []string                   `json:"publisher_platforms"`
		MessengerPositions      []string                   `json:"messenger_positions"`
	}
	if len(w.Targeting) > 0 {
		if err := json.Unmarshal(w.Targeting, &tg); err != nil {
			return AdSet{}, fmt.Errorf("meta: ad set %s targeting: %w", id, err)
		}
	}
	out := AdSet{ID: w.ID, AccountID: w.AccountID, CampaignID: w.CampaignID, Name: w.Name, Status: w.Status,
		EffectiveStatus: w.EffectiveStatus, DestinationType: w.DestinationType, OptimizationGoal: w.OptimizationGoal,
		BillingEvent: w.BillingEvent, PageID: string(w.PromotedObject.PageID), Schedule: w.Schedule,
		PublisherPlatforms: tg.PublisherPlatforms, MessengerPositions: tg.MessengerPositions, Targeting: w.Targeting,
		Countries: tg.GeoLocations.Countries}
	for _, a := range tg.CustomAudiences {
		out.CustomAudienceIDs = append(out.CustomAudienceIDs, string(a.ID))
	}
	for _, a := range tg.ExcludedCustomAudiences {
		out.ExcludedAudienceIDs = append(out.ExcludedAudienceIDs, string(a.ID))
	}
	var err error
	for _, b := range []struct {
		raw json.Number
		dst *Money
	}{{w.DailyBudget, &out.DailyBudget}, {w.LifetimeBudget, &out.LifetimeBudget}} {
		if *b.dst, err = budgetOf(b.raw, currency); err != nil {
			return AdSet{}, fmt.Errorf("meta: ad set %s: %w", id, err)
		}
	}
	for _, t := range []struct {
		raw string
		dst *time.Time
	}{{w.StartTime, &out.Start}, {w.EndTime, &out.End}, {w.CreatedTime, &out.Created}} {
		if *t.dst, err = parseMarketingTime(t.raw); err != nil {
			return AdSet{}, err
		}
	}
	return out, nil
}

// budgetOf converts a budget Meta sent in its units ("2000", "0" or absent for none) to Money.
func budgetOf(raw json.Number, currency string) (Money, error) {
	if raw == "" {
		return Money{}, nil
	}
	n, err := strconv.ParseInt(raw.String(), 10, 64)
	if err != nil {
		return Money{}, fmt.Errorf("budget %q: %w", raw, ErrDecimal)
	}
	if n == 0 {
		return Money{}, nil
	}
	return FromMetaBudget(n, currency)
}

// adWire is an ad as Graph sends it.
type adWire struct {
	ID              string `json:"id"`
	AccountID       string `json:"account_id"`
	CampaignID      string `json:"campaign_id"`
	AdSetID         string `json:"adset_id"`
	Name            string `json:"name"`
	Status          string `json:"status"`
	EffectiveStatus string `json:"effective_status"`
	Creative        struct {
		ID string `json:"id"`
	} `json:"creative"`
	CreatedTime string `json:"created_time"`
	// ad_review_feedback: {"global": {"<policy>": "<explanation>"}, "placement_specific": {…}}.
	ReviewFeedback map[string]json.RawMessage `json:"ad_review_feedback"`
	IssuesInfo     []struct {
		ErrorSummary string `json:"error_summary"`
		ErrorMessage string `json:"error_message"`
	} `json:"issues_info"`
}

func (w adWire) ad() (Ad, error) {
	created, err := parseMarketingTime(w.CreatedTime)
	ad := Ad{ID: w.ID, AccountID: w.AccountID, CampaignID: w.CampaignID, AdSetID: w.AdSetID,
		CreativeID: w.Creative.ID, Name: w.Name, Status: w.Status, EffectiveStatus: w.EffectiveStatus,
		Created: created}
	var reasons []string
	for _, scope := range []string{"global", "placement_specific"} {
		var m map[string]any
		if json.Unmarshal(w.ReviewFeedback[scope], &m) != nil {
			continue
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if v, ok := m[k].(string); ok {
				reasons = append(reasons, k+": "+v)
			} else {
				reasons = append(reasons, k)
			}
		}
	}
	ad.Review = strings.Join(reasons, "; ")
	var issues []string
	for _, i := range w.IssuesInfo {
		issues = append(issues, strings.TrimSpace(strings.Trim(i.ErrorSummary+": "+i.ErrorMessage, ": ")))
	}
	ad.Issues = strings.Join(issues, "; ")
	return ad, err
}

// Ad reads an ad with its effective_status.
func (c *Client) Ad(ctx context.Context, token, id string) (Ad, error) {
	var w adWire
	if err := c.readAdObject(ctx, token, id, adReadFields, &w); err != nil {
		return Ad{}, err
	}
	return w.ad()
}

// AccountAds lists an ad account's ads (newest first, deleted ones left out, 100 a page) from the cursor
// after ("" for the first page).
func (c *Client) AccountAds(ctx context.Context, token, accountID, after string) (AdPage, error) {
	q := url.Values{"fields": {adReadFields}, "limit": {"100"}}
	if after != "" {
		q.Set("after", after)
	}
	var w struct {
		Data   []adWire `json:"data"`
		Paging Paging   `json:"paging"`
	}
	if err := c.call(ctx, request{method: "GET", path: adAccountNode(accountID) + "/ads", token: token, query: q}, &w); err != nil {
		return AdPage{}, err
	}
	var out AdPage
	for _, aw := range w.Data {
		ad, err := aw.ad()
		if err != nil {
			return AdPage{}, err
		}
		out.Data = append(out.Data, ad)
	}
	// Graph gives an after cursor on the last page too; only a next link says there is more.
	if w.Paging.Next != "" {
		out.After = w.Paging.Cursors.After
	}
	return out, nil
}

// readAdObject reads a node with the fields given.
func (c *Client) readAdObject(ctx context.Context, token, id, fields string, out any) error {
	if id == "" || strings.Contains(id, "/") {
		return badAd("object id %q", id)
	}
	return c.call(ctx, request{method: "GET", path: id, token: token, query: url.Values{"fields": {fields}}}, out)
}

// parseMarketingTime reads Graph's "2026-03-02T00:00:00+0000" (or RFC 3339) as UTC; "" is the zero time.
func parseMarketingTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("meta: time %q is not Graph's format", s)
}

// marketingID is an id Graph may send as text or as a number.
type marketingID string

// UnmarshalJSON accepts "123" and 123.
func (m *marketingID) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*m = marketingID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("meta: id %s: %w", b, err)
	}
	*m = marketingID(n.String())
	return nil
}
