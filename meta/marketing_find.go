package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Edges of an ad account that FindAdObjects searches.
const (
	EdgeCampaigns = "campaigns"
	EdgeAdSets    = "adsets"
	EdgeCreatives = "adcreatives"
	EdgeAds       = "ads"
)

// findLimit bounds how many objects FindAdObjects reads: a tag names one object, so more means a bug.
const findLimit = 500

// AdObjectRef is a campaign, ad set, creative or ad found by name.
type AdObjectRef struct {
	ID, Name, Status string
}

// FindAdObjects lists the ad account's objects on an edge whose name contains text, with Graph's
// filtering (operator CONTAIN on name); deleted objects are left out, as Graph leaves them out by default.
// A caller that tags the names of the objects it creates finds them again after a crash that lost an id.
func (c *Client) FindAdObjects(ctx context.Context, token, accountID, edge, contains string) ([]AdObjectRef, error) {
	if !slices.Contains([]string{EdgeCampaigns, EdgeAdSets, EdgeCreatives, EdgeAds}, edge) {
		return nil, badAd("edge %q is not one FindAdObjects searches", edge)
	}
	if contains == "" {
		return nil, badAd("FindAdObjects needs a text to look for")
	}
	filter, _ := json.Marshal([]map[string]any{{"field": "name", "operator": "CONTAIN", "value": contains}})
	r := request{method: "GET", path: adAccountNode(accountID) + "/" + edge, token: token,
		query: url.Values{"fields": {"id,name,status"}, "filtering": {string(filter)}, "limit": {"100"}}}
	var out []AdObjectRef
	for {
		var w struct {
			Data []struct {
				ID     marketingID `json:"id"`
				Name   string      `json:"name"`
				Status string      `json:"status"`
			} `json:"data"`
			Paging Paging `json:"paging"`
		}
		if err := c.call(ctx, r, &w); err != nil {
			return nil, err
		}
		for _, d := range w.Data {
			// Graph's CONTAIN ignores case; the tag is compared exactly here.
			if strings.Contains(d.Name, contains) && d.Status != AdStatusDeleted {
				out = append(out, AdObjectRef{ID: string(d.ID), Name: d.Name, Status: d.Status})
			}
		}
		if w.Paging.Next == "" || len(out) >= findLimit {
			return out, nil
		}
		r = request{method: "GET", token: token, next: w.Paging.Next}
	}
}

// AdSetUpdate changes an ad set; zero fields are left as they are. Meta does not let an ad set switch
// between a daily and a lifetime budget: set the kind it has.
type AdSetUpdate struct {
	DailyBudget, LifetimeBudget Money
	End                         time.Time
	Schedule                    []ScheduleBlock // replaces the dayparting (lifetime budgets only)
	Targeting                   *AdSetTargeting // replaces the targeting whole
	Status                      string
}

// UpdateAdSet applies the change to an ad set.
func (c *Client) UpdateAdSet(ctx context.Context, token, adsetID string, u AdSetUpdate) error {
	if adsetID == "" || strings.Contains(adsetID, "/") {
		return badAd("ad set id %q", adsetID)
	}
	body := map[string]any{}
	for _, b := range []struct {
		key string
		m   Money
	}{{"daily_budget", u.DailyBudget}, {"lifetime_budget", u.LifetimeBudget}} {
		if b.m == (Money{}) {
			continue
		}
		units, err := ToMetaBudget(b.m)
		if err != nil {
			return fmt.Errorf("meta: ad set %s: %w", b.key, err)
		}
		if units == 0 {
			return badAd("the %s is zero", b.key)
		}
		body[b.key] = units
	}
	if !u.End.IsZero() {
		body["end_time"] = u.End.UTC().Format(time.RFC3339)
	}
	if len(u.Schedule) > 0 {
		for _, b := range u.Schedule {
			if b.StartMinute%60 != 0 || b.EndMinute%60 != 0 || b.StartMinute < 0 || b.EndMinute > 1440 || b.StartMinute >= b.EndMinute {
				return badAd("schedule blocks are whole hours within the day, start before end")
			}
		}
		body["pacing_type"] = []string{"day_parting"}
		body["adset_schedule"] = u.Schedule
	}
	if u.Targeting != nil {
		body["targeting"] = u.Targeting.body()
	}
	if u.Status != "" {
		switch u.Status {
		case AdStatusActive, AdStatusPaused, AdStatusArchived, AdStatusDeleted:
			body["status"] = u.Status
		default:
			return badAd("status %q is not ACTIVE, PAUSED, ARCHIVED or DELETED", u.Status)
		}
	}
	if len(body) == 0 {
		return nil
	}
	var out struct {
		Success bool `json:"success"`
	}
	if err := c.call(ctx, request{method: "POST", path: adsetID, token: token, body: body}, &out); err != nil {
		return err
	}
	if !out.Success {
		return fmt.Errorf("meta: ad set %s: Meta did not confirm the change", adsetID)
	}
	return nil
}
