package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestRestoredAdsReportTheSameHistory restores an ad set of two ads under their launch ids in two fresh
// sandboxes started a day apart, seeds 60 days of history, and checks that Insights report the same figures
// for every day both cover, within each ad's share of the budget, and that new objects never take the ids.
func TestRestoredAdsReportTheSameHistory(t *testing.T) {
	spec := RestoreSpec{AccountID: "act_2300000000077", PageID: "104000000000077", CampaignID: "120201000000000003",
		AdSetID: "120202000000000003", Name: "Spring", DailyBudget: 2000,
		Ads: []RestoredAd{{CreativeID: "120204000000000005", AdID: "120203000000000005", Name: "A"},
			{CreativeID: "120204000000000006", AdID: "120203000000000006", Name: "B"}}}
	daily := func(start time.Time) map[string]string {
		s, err := New(Options{AppSecret: deliverySecret, Seed: "history", Start: start, Now: func() time.Time { return start }})
		if err != nil {
			t.Fatal(err)
		}
		s.RegisterAccount(Account{ID: spec.AccountID, Currency: "EUR", Timezone: "Europe/Paris"})
		s.RestoreAds(spec)
		for _, a := range spec.Ads {
			if err := s.SeedHistory(a.AdID, 60); err != nil {
				t.Fatal(err)
			}
			if err := s.SeedHistory(a.AdID, 60); err != nil { // again: nothing more
				t.Fatal(err)
			}
		}
		s.mu.Lock()
		if id := s.newID("ad"); id != "120203000000000007" {
			t.Errorf("the next ad id is %s", id)
		}
		s.mu.Unlock()
		q := url.Values{"level": {"ad"}, "time_increment": {"1"}, "fields": {"ad_id,spend,impressions,clicks"}, "limit": {"500"},
			"time_range": {`{"since":"2026-01-01","until":"2026-03-31"}`}}
		code, body := graphGet(t, s, http.MethodGet, spec.AccountID+"/insights", q)
		if code != http.StatusOK {
			t.Fatalf("insights: %d %s", code, body)
		}
		var out struct {
			Data []map[string]string `json:"data"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatal(err)
		}
		rows := map[string]string{}
		for _, r := range out.Data {
			rows[r["ad_id"]+" "+r["date_start"]] = r["spend"] + " " + r["impressions"] + " " + r["clicks"]
		}
		return rows
	}
	first := daily(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	second := daily(time.Date(2026, 3, 11, 15, 0, 0, 0, time.UTC))
	if len(first) != 2*60 || len(second) != 2*60 {
		t.Fatalf("rows: %d and %d, want 120 each", len(first), len(second))
	}
	same := 0
	for k, v := range first {
		if w, ok := second[k]; ok {
			same++
			if v != w {
				t.Errorf("%s: %s, then %s", k, v, w)
			}
		}
	}
	if same != 2*59 {
		t.Errorf("%d days in common, want 118", same)
	}
	if _, ok := first["120203000000000005 2026-03-10"]; ok {
		t.Error("history reaches into the simulated today")
	}
}
