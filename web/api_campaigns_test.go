package web_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCampaignAPI walks a campaign through the API: a 422 per invalid field with its path, create, submit by
// the campaign manager, approval refused to the manager and given by the brand admin, a 409 naming the state,
// launch, a content change that asks for approval again, and the timeline. Finance reads the campaign
// without its texts; a brand viewer reads it but cannot change it.
func TestCampaignAPI(t *testing.T) {
	f := newFixture(t)
	mgr, badm := caller{token: f.tokens[manager]}, caller{token: f.tokens[bAdmin]}
	base := "/api/v1/brands/" + f.a1.ID + "/campaigns"

	bad := strings.Replace(f.campaignBody("Bad", "bad"), `"amount":"25.00"`, `"amount":"25.001"`, 1)
	bad = strings.Replace(bad, `"title":"Book"`, `"title":"Book a table for the whole family"`, 1)
	status, body := f.do(mgr, "POST", base, bad)
	if status != 422 || !strings.Contains(body, `"budget.amount"`) || !strings.Contains(body, `"variants[0].creative.quick_replies[0].title"`) {
		t.Fatalf("invalid campaign: %d %s", status, body)
	}
	status, body = f.do(mgr, "POST", base, `{"name":"x","kind":"sponsored_message","budget":{"period":"daily","amount":25}}`)
	if status != 422 || !strings.Contains(body, `"budget.amount"`) {
		t.Errorf("amount as a number: %d %s", status, body)
	}
	status, body = f.do(mgr, "POST", base, f.campaignBody("Spring menu", "spring-menu"))
	var cp struct {
		ID, State string
		Version   int
		Budget    struct{ Amount, Currency string }
		NextSlot  *string `json:"next_slot"`
	}
	if status != 201 || json.Unmarshal([]byte(body), &cp) != nil || cp.State != "draft" || cp.Budget.Currency != "EUR" {
		t.Fatalf("create: %d %s", status, body)
	}
	one := base + "/" + cp.ID
	status, body = f.do(mgr, "POST", one+"/launch", "")
	if status != 409 || !strings.Contains(body, "draft") {
		t.Errorf("launch a draft: %d %s", status, body)
	}
	if status, body = f.do(mgr, "POST", one+"/submit", ""); status != 200 || !strings.Contains(body, `"state":"pending_approval"`) {
		t.Fatalf("submit: %d %s", status, body)
	}
	if status, _ = f.do(mgr, "POST", one+"/approve", ""); status != 403 {
		t.Errorf("campaign manager approves: %d", status)
	}
	if status, body = f.do(badm, "POST", one+"/reject", `{}`); status != 422 || !strings.Contains(body, `"reason"`) {
		t.Errorf("reject without reason: %d %s", status, body)
	}
	if status, body = f.do(badm, "POST", one+"/approve", ""); status != 200 || !strings.Contains(body, `"state":"scheduled"`) {
		t.Fatalf("approve: %d %s", status, body)
	}
	if status, body = f.do(mgr, "POST", one+"/launch", ""); status != 200 || !strings.Contains(body, `"state":"running"`) {
		t.Fatalf("launch: %d %s", status, body)
	}
	if status, body = f.do(mgr, "DELETE", one, ""); status != 409 || !strings.Contains(body, "running") {
		t.Errorf("delete running: %d %s", status, body)
	}
	if status, body = f.do(mgr, "PATCH", one, `{"variants":[{"key":"A","weight":100,"creative":{"text":"New text"}}]}`); status != 200 ||
		!strings.Contains(body, `"state":"pending_approval"`) || !strings.Contains(body, `"version":2`) {
		t.Errorf("content change after approval: %d %s", status, body)
	}
	status, body = f.do(caller{token: f.tokens[finance]}, "GET", one, "")
	if status != 200 || strings.Contains(body, "New text") || !strings.Contains(body, `"key":"A"`) {
		t.Errorf("finance reads texts: %d %s", status, body)
	}
	if status, body = f.do(mgr, "GET", one, ""); status != 200 || !strings.Contains(body, "New text") {
		t.Errorf("manager reads: %d %s", status, body)
	}
	if status, _ = f.do(caller{token: f.tokens[bViewer]}, "PATCH", one, `{"name":"viewer"}`); status != 403 {
		t.Errorf("viewer changes: %d", status)
	}
	status, body = f.do(mgr, "GET", one+"/timeline", "")
	for _, want := range []string{`"action":"create"`, `"action":"submit"`, `"action":"approve"`, `"actor":"brand-admin@alpha.example"`, "approval asked again"} {
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("timeline lacks %s: %d %s", want, status, body)
		}
	}
	// The approval inbox across brands, as the brand admin sees it.
	status, body = f.do(badm, "GET", "/api/v1/campaigns?state=pending_approval", "")
	if status != 200 || !strings.Contains(body, cp.ID) || strings.Contains(body, f.campaign.ID) {
		t.Errorf("inbox: %d %s", status, body)
	}
	if status, body = f.do(badm, "GET", "/api/v1/campaigns?state=flying", ""); status != 422 || !strings.Contains(body, `"state"`) {
		t.Errorf("bad state filter: %d %s", status, body)
	}
	status, body = f.do(mgr, "GET", base+"?limit=1", "")
	var page struct {
		Data       []json.RawMessage `json:"data"`
		NextCursor string            `json:"next_cursor"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &page) != nil || len(page.Data) != 1 || page.NextCursor == "" {
		t.Errorf("paged list: %d %s", status, body)
	}
}

// TestBrandSettings changes the campaign settings through PATCH /brands/{brand} and reads the defaults back.
func TestBrandSettings(t *testing.T) {
	f := newFixture(t)
	adm := caller{token: f.tokens[admin]}
	path := "/api/v1/brands/" + f.a1.ID
	status, body := f.do(adm, "GET", path, "")
	if status != 200 || !strings.Contains(body, `"approval_required":true`) || !strings.Contains(body, `"from":"21:00"`) {
		t.Fatalf("defaults: %d %s", status, body)
	}
	status, body = f.do(adm, "PATCH", path, `{"settings":{"quiet_hours":{"from":"25:00","to":"09:00"},"frequency_cap":{"messages":0,"days":1}}}`)
	if status != 422 || !strings.Contains(body, `"settings.quiet_hours.from"`) || !strings.Contains(body, `"settings.frequency_cap.messages"`) {
		t.Errorf("bad settings: %d %s", status, body)
	}
	status, body = f.do(adm, "PATCH", path, `{"settings":{"approval_required":false,"frequency_cap":{"messages":2,"days":7}}}`)
	if status != 200 || !strings.Contains(body, `"approval_required":false`) || !strings.Contains(body, `"messages":2`) || !strings.Contains(body, `"from":"21:00"`) {
		t.Fatalf("patch: %d %s", status, body)
	}
	// Without approval, submit schedules at once.
	base := path + "/campaigns"
	mgr := caller{token: f.tokens[manager]}
	status, body = f.do(mgr, "POST", base, f.campaignBody("No approval", "no-approval"))
	var cp struct{ ID string }
	if status != 201 || json.Unmarshal([]byte(body), &cp) != nil {
		t.Fatalf("create: %d %s", status, body)
	}
	if status, body = f.do(mgr, "POST", base+"/"+cp.ID+"/submit", ""); status != 200 || !strings.Contains(body, `"state":"scheduled"`) ||
		!strings.Contains(body, `"frequency_cap":{"messages":2,"days":7,"default":true}`) {
		t.Errorf("submit without approval: %d %s", status, body)
	}
}

// TestCampaignSlotPreview previews the fixture campaign's next slot: its one member, silent for months,
// is routed to ads; finance may not preview (it lists members); the UI fragment shows the same counts.
func TestCampaignSlotPreview(t *testing.T) {
	f := newFixture(t)
	path := "/api/v1/brands/" + f.a1.ID + "/campaigns/" + f.campaign.ID + "/preview"
	status, body := f.do(caller{token: f.tokens[manager]}, "POST", path, "")
	var p struct {
		Slot   *string        `json:"slot"`
		Count  int            `json:"count"`
		Routes map[string]int `json:"routes"`
		Sample []struct{ PSID, Route string }
	}
	if status != 200 || json.Unmarshal([]byte(body), &p) != nil || p.Slot == nil || p.Count != 1 || p.Routes["ads_only"] != 1 ||
		len(p.Sample) != 1 || p.Sample[0].PSID != "7199000000000001" {
		t.Fatalf("preview: %d %s", status, body)
	}
	if status, _ = f.do(caller{token: f.tokens[finance]}, "POST", path, ""); status != 403 {
		t.Errorf("finance previews: %d", status)
	}
	u := f.users[manager]
	status, body = f.do(caller{user: &u}, "POST", "/brands/"+f.a1.ID+"/campaigns/"+f.campaign.ID+"/preview", "")
	if status != 200 || !strings.Contains(body, `id="slot-count">1<`) {
		t.Errorf("UI preview: %d %s", status, trim(body))
	}
}

// TestTypeErrorsNameTheIndex is a regression test: a value of the wrong type inside a list was reported as
// "variants.weight" (encoding/json drops the index); the contract names variants[1].weight.
func TestTypeErrorsNameTheIndex(t *testing.T) {
	f := newFixture(t)
	mgr := caller{token: f.tokens[manager]}
	base := "/api/v1/brands/" + f.a1.ID + "/campaigns"
	for body, field := range map[string]string{
		`{"variants":[{"key":"A","weight":50},{"key":"B","weight":"50"}]}`:                                "variants[1].weight",
		`{"variants":[{"key":"A","weight":50,"creative":{"quick_replies":[{"title":"t"},{"title":7}]}}]}`: "variants[0].creative.quick_replies[1].title",
		`{"name":"x","budget":{"period":"daily","amount":25}}`:                                            "budget.amount",
		`{"audiences":{"include":["a", 3]}}`:                                                              "audiences.include[1]",
		`{"variants":[{"key":"A","creative":{"welcome":[]}}]}`:                                            "variants[0].creative.welcome",
	} {
		status, resp := f.do(mgr, "POST", base, body)
		if status != 422 || !strings.Contains(resp, `"`+field+`"`) {
			t.Errorf("%s: %d %s, want a 422 on %s", body, status, resp, field)
		}
	}
}
