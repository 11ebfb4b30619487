package web_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCampaignListActivity: the campaign lists, API and screens, carry each campaign's next slot, what it
// spent as far as relance knows, and its send counts.
func TestCampaignListActivity(t *testing.T) {
	f := newFixture(t)
	runCampaign(t, f)
	for _, path := range []string{"/api/v1/campaigns", "/api/v1/brands/" + f.a1.ID + "/campaigns"} {
		status, body := f.do(caller{token: f.tokens[finance]}, "GET", path, "")
		var list struct {
			Data []struct {
				ID   string `json:"id"`
				Next *struct {
					What  string `json:"what"`
					Start string `json:"start"`
				} `json:"next"`
				Spend *struct {
					Amount, Currency string
				} `json:"spend"`
				SpendNote string `json:"spend_note"`
				Sends     struct {
					Total, Messaged int
					Counts          map[string]int
				} `json:"sends"`
			} `json:"data"`
		}
		if status != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Data) != 1 {
			t.Fatalf("%s: %d %s", path, status, trim(body))
		}
		c := list.Data[0]
		if c.Next == nil || c.Next.What != "slot" || c.Next.Start == "" {
			t.Errorf("%s: next %+v", path, c.Next)
		}
		if c.Sends.Total != 1 || c.Sends.Messaged != 1 || c.Sends.Counts["sent"] != 1 {
			t.Errorf("%s: sends %+v", path, c.Sends)
		}
		if c.Spend == nil || c.Spend.Amount != "0.00" || c.Spend.Currency != f.a1.Currency || c.SpendNote == "" {
			t.Errorf("%s: spend %+v %q (one free message went)", path, c.Spend, c.SpendNote)
		}
		if strings.Contains(body, "A1 secret campaign text") {
			t.Errorf("%s: finance reads the message text", path)
		}
	}
	mgr := f.users[manager]
	status, body := f.do(caller{user: &mgr}, "GET", "/brands/"+f.a1.ID+"/campaigns", "")
	if status != 200 || !strings.Contains(body, `data-messaged="1"`) || !strings.Contains(body, `data-what="slot"`) {
		t.Errorf("brand list: %d %s", status, trim(body))
	}
}

// TestCampaignCalendarScope: the calendar lists a running campaign's slots to the brand's roles, in the
// brand's zone, and nothing to the admin of another brand of the agency or to another agency; a bad bound is
// a 422 naming it.
func TestCampaignCalendarScope(t *testing.T) {
	f := newFixture(t)
	runCampaign(t, f)
	type page struct {
		Data []struct {
			CampaignID string `json:"campaign_id"`
			What       string `json:"what"`
			Timezone   string `json:"timezone"`
		} `json:"data"`
	}
	read := func(c caller, query string) (int, page, string) {
		t.Helper()
		status, body := f.do(c, "GET", "/api/v1/campaigns/calendar"+query, "")
		var p page
		if status == 200 {
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatalf("calendar: %v %s", err, trim(body))
			}
		}
		return status, p, body
	}
	// Two weeks hold four slots of "0 11 * * MON,THU".
	for _, role := range []string{admin, bViewer, finance} {
		status, p, body := read(caller{token: f.tokens[role]}, "?from=2026-03-02&to=2026-03-16")
		if status != 200 || len(p.Data) != 4 {
			t.Fatalf("%s: %d %s", role, status, trim(body))
		}
		for _, e := range p.Data {
			if e.CampaignID != f.campaign.ID || e.What != "slot" || e.Timezone != f.a1.Timezone {
				t.Errorf("%s: entry %+v", role, e)
			}
		}
	}
	for who, c := range map[string]caller{"A2's brand admin": {token: f.tokens["a2_brand_admin"]}, "agency B": {token: f.tokens["b_admin"]}} {
		status, p, body := read(c, "?from=2026-03-02&to=2026-03-16")
		if status != 200 || len(p.Data) != 0 || strings.Contains(body, f.campaign.ID) {
			t.Errorf("%s: %d %s", who, status, trim(body))
		}
	}
	status, _, body := read(caller{token: f.tokens[admin]}, "?from=tomorrow&to=2026-03-01")
	if status != 422 || !strings.Contains(body, `"from"`) {
		t.Errorf("bad from: %d %s", status, trim(body))
	}
	status, _, body = read(caller{token: f.tokens[admin]}, "?from=2026-03-02&to=2026-03-01")
	if status != 422 || !strings.Contains(body, `"to"`) {
		t.Errorf("to before from: %d %s", status, trim(body))
	}
	bv, a2 := f.users[bViewer], f.other["a2_brand_admin"]
	status, body = f.do(caller{user: &bv}, "GET", "/campaigns/calendar?from=2026-03-02&to=2026-03-16", "")
	if status != 200 || strings.Count(body, `data-campaign="`+f.campaign.ID+`"`) != 4 || !strings.Contains(body, f.a1.Timezone) {
		t.Errorf("calendar screen for A1's viewer: %d %s", status, trim(body))
	}
	status, body = f.do(caller{user: &a2}, "GET", "/campaigns/calendar?from=2026-03-02&to=2026-03-16", "")
	if status != 200 || strings.Contains(body, f.campaign.ID) || !strings.Contains(body, "Nothing planned") {
		t.Errorf("calendar screen for A2's admin: %d %s", status, trim(body))
	}
	// A campaign sending every minute is one row a day on the screen, not a hundred.
	if err := f.store.DB().W.Exec(`UPDATE campaigns SET send_cron = '* * * * *' WHERE id = ?`, f.campaign.ID).Error; err != nil {
		t.Fatal(err)
	}
	status, body = f.do(caller{user: &bv}, "GET", "/campaigns/calendar?from=2026-03-02T00:00:00Z&to=2026-03-02T01:00:00Z", "")
	if status != 200 || strings.Count(body, `data-campaign="`+f.campaign.ID+`"`) != 1 || !strings.Contains(body, `data-count="60"`) {
		t.Errorf("calendar screen of an every-minute campaign: %d %s", status, trim(body))
	}
}

// runCampaign puts the fixture's campaign in the running state, as a launch would.
func runCampaign(t *testing.T, f *fixture) {
	t.Helper()
	if err := f.store.DB().W.Exec(`UPDATE campaigns SET state = 'running' WHERE id = ?`, f.campaign.ID).Error; err != nil {
		t.Fatal(err)
	}
}
