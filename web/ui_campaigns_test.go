package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestCampaignScreens drives the campaign screens as a campaign manager and a brand admin: the form per
// kind, a create with an invalid field shown on its variant, a valid create, submit, the approval inbox,
// approval, and the campaign page with its timeline; finance sees the page without texts.
func TestCampaignScreens(t *testing.T) {
	f := newFixture(t)
	mgrU, badmU, finU := f.users[manager], f.users[bAdmin], f.users[finance]
	mgr, badm, fin := caller{user: &mgrU}, caller{user: &badmU}, caller{user: &finU}
	base := "/brands/" + f.a1.ID + "/campaigns"
	for _, kind := range []string{"sponsored_message", "click_to_messenger", "messenger_home"} {
		status, body := f.do(mgr, "GET", base+"/new?kind="+kind, "")
		if status != 200 || !strings.Contains(body, `id="campaign-form"`) || !strings.Contains(body, `value="`+kind+`"`) {
			t.Fatalf("new %s: %d %s", kind, status, trim(body))
		}
		if ads := kind != "sponsored_message"; ads != strings.Contains(body, `name="v_ice_breakers" rows`) {
			t.Errorf("%s form: ice breakers shown = %v", kind, !ads)
		}
	}
	form := url.Values{"name": {"Spring menu"}, "kind": {"sponsored_message"}, "page_id": {f.page.PageID},
		"budget_amount": {"25.00"}, "budget_period": {"daily"}, "send_cron": {"0 11 * * MON,THU"},
		"include": {f.audience.ID}, "holdout_percent": {"10"}, "ref": {"spring-menu"},
		"v_key": {"A", "B"}, "v_weight": {"50", "50"}, "v_text": {"Our spring menu", ""}, "v_image_url": {"", ""},
		"v_quick_replies": {"Book | BOOK", ""}, "v_buttons": {"", "web_url | See | https://example.com"},
		"v_greeting": {"", ""}, "v_ice_breakers": {"", ""}}
	status, body := f.do(mgr, "POST", base, form.Encode())
	if status != 422 || !strings.Contains(body, "creative.text is required") {
		t.Fatalf("invalid variant: %d %s", status, trim(body))
	}
	form["v_text"] = []string{"Our spring menu", "Spring is here"}
	status, body = f.do(mgr, "POST", base, form.Encode())
	if status != 303 {
		t.Fatalf("create: %d %s", status, trim(body))
	}
	list := func(c caller, path string) string {
		t.Helper()
		status, body := f.do(c, "GET", path, "")
		if status != 200 {
			t.Fatalf("%s: %d %s", path, status, trim(body))
		}
		return body
	}
	body = list(mgr, base)
	m := regexp.MustCompile(`campaigns/([0-9a-f-]{36})">Spring menu<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("brand list: %s", trim(body))
	}
	id := m[1]
	page := base + "/" + id
	if status, _ := f.do(mgr, "POST", page+"/submit", ""); status != 303 {
		t.Fatalf("submit: %d", status)
	}
	if !strings.Contains(list(badm, "/approvals"), "Spring menu") {
		t.Error("the approval inbox lacks the submitted campaign")
	}
	if strings.Contains(list(mgr, page), `id="action-approve"`) {
		t.Error("the campaign manager is offered approve")
	}
	if !strings.Contains(list(badm, page), `id="action-approve"`) {
		t.Error("the brand admin is not offered approve")
	}
	if status, _ := f.do(badm, "POST", page+"/approve", ""); status != 303 {
		t.Fatalf("approve: %d", status)
	}
	body = list(badm, page)
	for _, want := range []string{`data-action="approve"`, "brand-admin@alpha.example", "scheduled", "Our spring menu", "Book"} {
		if !strings.Contains(body, want) {
			t.Errorf("campaign page lacks %q", want)
		}
	}
	if body = list(fin, page); strings.Contains(body, "Our spring menu") {
		t.Error("finance sees the message text")
	}
	if !strings.Contains(list(mgr, "/campaigns"), "Spring menu") {
		t.Error("the list across brands lacks the campaign")
	}
	// Edit keeps the fields; a budget-only change keeps it scheduled.
	body = list(mgr, page+"/edit")
	if !strings.Contains(body, `value="25.00"`) || !strings.Contains(body, "Book | BOOK") {
		t.Errorf("edit form not filled: %s", trim(body))
	}
	form["budget_amount"] = []string{"30"}
	if status, _ := f.do(mgr, "POST", page+"/edit", form.Encode()); status != 303 {
		t.Fatalf("edit: %d", status)
	}
	if body = list(mgr, page); !strings.Contains(body, "€30.00") || !strings.Contains(body, `id="campaign-state">scheduled`) {
		t.Errorf("after a budget edit: %s", trim(body))
	}
}

// TestBrandSettingsForm edits the campaign settings on the brand's edit screen: an invalid quiet hour is
// refused beside its field, a valid change is saved.
func TestBrandSettingsForm(t *testing.T) {
	f := newFixture(t)
	admU := f.users[admin]
	adm := caller{user: &admU}
	path := "/brands/" + f.a1.ID + "/edit"
	status, body := f.do(adm, "GET", path, "")
	if status != 200 || !strings.Contains(body, `name="approval_required" checked`) || !strings.Contains(body, `value="21:00"`) {
		t.Fatalf("edit form: %d %s", status, trim(body))
	}
	form := url.Values{"name": {f.a1.Name}, "currency": {"EUR"}, "timezone": {"Europe/Paris"}, "policy": {"meta-current"},
		"settings": {"1"}, "quiet_from": {"22:60"}, "quiet_to": {"08:00"}, "cap_messages": {"2"}, "cap_days": {"7"}}
	if status, body = f.do(adm, "POST", path, form.Encode()); status != 422 || !strings.Contains(body, "HH:MM") {
		t.Errorf("bad quiet hours: %d %s", status, trim(body))
	}
	form.Set("quiet_from", "22:00")
	if status, _ = f.do(adm, "POST", path, form.Encode()); status != 303 {
		t.Fatalf("save: %d", status)
	}
	b, err := f.store.Tenant(f.a.ID).Brand(context.Background(), f.a1.ID)
	e := b.Settings.Effective()
	if err != nil || e.ApprovalRequired || e.QuietHours.From != "22:00" || e.FrequencyCap.Days != 7 {
		t.Errorf("saved settings %+v %v", e, err)
	}
}
