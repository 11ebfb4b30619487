package web_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAudienceAPI drives the audience API as a campaign manager: an invalid rule is a 422 naming its path,
// a valid one is previewed, created, built, listed by cursor and exported without message text; a brand
// viewer may not create one.
func TestAudienceAPI(t *testing.T) {
	f := newFixture(t)
	mgr := caller{token: f.tokens[manager]}
	base := "/api/v1/brands/" + f.a1.ID + "/audiences"

	status, body := f.do(mgr, "POST", base, `{"name":"Bad","rule":{"all":[{"field":"inbound_count","op":"gte","value":1},{"any":[{"field":"entity","op":"said","value":"email"}]}]}}`)
	if status != 422 || !strings.Contains(body, `"rule.all[1].any[0].op"`) {
		t.Fatalf("invalid rule: %d %s", status, body)
	}
	status, body = f.do(mgr, "POST", base+"/preview", `{"rule":{"field":"entity","op":"mentioned","value":"email"}}`)
	var p struct {
		Count     int            `json:"count"`
		Breakdown map[string]int `json:"breakdown"`
		Sample    []struct {
			PSID string `json:"psid"`
		} `json:"sample"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &p) != nil || p.Count != 1 || p.Breakdown["ads_only"] != 1 || len(p.Sample) != 1 {
		t.Fatalf("preview: %d %s", status, body)
	}
	status, body = f.do(mgr, "POST", base+"/preview", `{}`)
	if status != 422 || !strings.Contains(body, `"rule"`) {
		t.Errorf("preview without a rule: %d %s", status, body)
	}

	status, body = f.do(mgr, "POST", base, `{"name":"E-mail givers","rule":{"field":"entity","op":"mentioned","value":"email"},"refresh_cron":"0 9 * * 1"}`)
	var a struct {
		ID            string  `json:"id"`
		NextRefreshAt *string `json:"next_refresh_at"`
	}
	if status != 201 || json.Unmarshal([]byte(body), &a) != nil || a.ID == "" || a.NextRefreshAt == nil {
		t.Fatalf("create: %d %s", status, body)
	}
	status, body = f.do(mgr, "PATCH", base+"/"+a.ID, `{"refresh_cron":"every monday"}`)
	if status != 422 || !strings.Contains(body, `"refresh_cron"`) {
		t.Errorf("bad cron: %d %s", status, body)
	}
	status, body = f.do(mgr, "POST", base+"/"+a.ID+"/build", "")
	if status != 200 || !strings.Contains(body, `"size":1`) || !strings.Contains(body, `"number":1`) {
		t.Fatalf("build: %d %s", status, body)
	}
	status, body = f.do(mgr, "GET", base+"/"+a.ID+"/members?limit=1", "")
	if status != 200 || !strings.Contains(body, "7199000000000001") || strings.Contains(body, "secret.person@example.com") {
		t.Errorf("members: %d %s", status, body)
	}
	status, body = f.do(mgr, "GET", base+"/"+a.ID+"/export", "")
	if status != 200 || !strings.HasPrefix(body, "page_id,psid,first_seen_at") || !strings.Contains(body, "7199000000000001") ||
		strings.Contains(body, "secret.person") {
		t.Errorf("export: %d %s", status, body)
	}
	status, body = f.do(mgr, "POST", base+"/"+a.ID+"/sync", "")
	if status != 409 || !strings.Contains(body, "ad account") {
		t.Errorf("sync without an ad account: %d %s", status, body)
	}
	status, _ = f.do(caller{token: f.tokens[bViewer]}, "POST", base, `{"name":"Viewer's","rule":{"all":[]}}`)
	if status != 403 {
		t.Errorf("brand_viewer created an audience: %d", status)
	}
}
