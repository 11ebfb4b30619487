package campaigns

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"relance/internal/testdb"
	"relance/scheduler"
	"relance/tenancy"
)

const (
	testPage    = "1040000000001"
	testAccount = "act_2300000000001"
)

// env is a brand with a Page, an ad account and an audience, a store on it and the tenant's store.
type testEnv struct {
	st       *Store
	ts       *tenancy.TenantStore
	brand    tenancy.Brand
	audience string
	now      time.Time
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t)
	v, _ := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	s, err := tenancy.NewStore(ctx, db, v)
	if err != nil {
		t.Fatal(err)
	}
	tn, _ := s.CreateTenant(ctx, "Agency", "agency")
	ts := s.Tenant(tn.ID)
	name, cur, tz := "Maison", "EUR", "Europe/Paris"
	brand, err := ts.CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.ConnectPage(ctx, brand.ID, tenancy.PageInput{PageID: testPage, Name: "Maison FR", AccessToken: "EAAB-fixture-page-token"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.AddAdAccount(ctx, brand.ID, tenancy.AdAccountInput{AccountID: testAccount, Name: "Ads"}); err != nil {
		t.Fatal(err)
	}
	aud := tenancy.NewID()
	if err := db.W.Exec(`INSERT INTO audiences (id, tenant_id, brand_id, name, kind, created_at, updated_at) VALUES (?, ?, ?, 'Fans', 'rule', 1, 1)`,
		aud, tn.ID, brand.ID).Error; err != nil {
		t.Fatal(err)
	}
	e := &testEnv{ts: ts, brand: brand, audience: aud, now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	e.st = NewStore(db, tn.ID, brand, Options{NextRun: scheduler.Next, Now: func() time.Time { return e.now }})
	return e
}

// sponsored is a valid sponsored-message campaign body.
func (e *testEnv) sponsored() string {
	return `{"name":"Spring menu","kind":"sponsored_message","page_id":"` + testPage + `",
		"budget":{"period":"daily","amount":"25.00"},"starts_at":"2026-03-03T09:00:00+01:00","ends_at":"2026-04-01T00:00:00Z",
		"schedule":{"send_cron":"0 11 * * MON,THU"},"audiences":{"include":["` + e.audience + `"],"exclude":[]},
		"variants":[{"key":"A","weight":50,"creative":{"text":"Our spring menu is here","quick_replies":[{"title":"Book","payload":"BOOK"}]}},
		            {"key":"B","weight":50,"creative":{"text":"Spring is on the menu","buttons":[{"type":"web_url","title":"See","url":"https://example.com/menu"}]}}],
		"holdout_percent":10,"frequency_cap":{"messages":1,"days":3},"ref":"spring-menu"}`
}

func input(t testing.TB, body string) Input {
	t.Helper()
	var in Input
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		t.Fatal(err)
	}
	return in
}

func fieldsOf(err error) map[string]string {
	var v *tenancy.ValidationError
	if errors.As(err, &v) {
		return v.Fields
	}
	return nil
}

func ctxAs(label string) context.Context {
	return tenancy.WithActor(context.Background(), tenancy.Actor{UserID: "u-" + label, Label: label})
}

func TestCreateSponsoredMessage(t *testing.T) {
	e := newTestEnv(t)
	c, err := e.st.Create(ctxAs("manager@x"), input(t, e.sponsored()))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if c.State != StateDraft || c.Budget.Minor != 2500 || c.Budget.Currency != "EUR" || c.Budget.Amount != "25.00" {
		t.Errorf("created %+v budget %+v", c, c.Budget)
	}
	if len(c.Variants) != 2 || c.Variants[1].Creative.Buttons[0].URL != "https://example.com/menu" {
		t.Errorf("variants %+v", c.Variants)
	}
	if c.StartsAt == nil || !c.StartsAt.Equal(time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)) || c.Schedule.Timezone != "Europe/Paris" {
		t.Errorf("starts_at %v tz %s", c.StartsAt, c.Schedule.Timezone)
	}
	again, err := e.st.Get(context.Background(), c.ID)
	if err != nil || again.Ref != "spring-menu" || again.FrequencyCap.Messages != 1 || again.FrequencyCap.Days != 3 {
		t.Errorf("get: %+v %v", again, err)
	}
	// The same ref on the same Page belongs to one campaign.
	_, err = e.st.Create(ctxAs("manager@x"), input(t, e.sponsored()))
	if f := fieldsOf(err); f["ref"] == "" {
		t.Errorf("duplicate ref: %v", err)
	}
}

// TestValidationNamesPaths sends one invalid value per field and checks each error lands on its JSON path.
func TestValidationNamesPaths(t *testing.T) {
	e := newTestEnv(t)
	long := strings.Repeat("x", 21)
	for _, c := range []struct{ patch, path string }{
		{`{"name":""}`, "name"},
		{`{"kind":"banner"}`, "kind"},
		{`{"page_id":"999"}`, "page_id"},
		{`{"ad_account_id":"act_999"}`, "ad_account_id"},
		{`{"objective":"OUTCOME_SALES"}`, "objective"},
		{`{"budget":{"period":"weekly","amount":"25.00"}}`, "budget.period"},
		{`{"budget":{"period":"daily","amount":"25.001"}}`, "budget.amount"},
		{`{"budget":{"period":"daily","amount":"0.50"}}`, "budget.amount"},
		{`{"budget":{"period":"daily","amount":"25","currency":"USD"}}`, "budget.currency"},
		{`{"budget":{"period":"lifetime","amount":"5.00"}}`, "budget.amount"},
		{`{"starts_at":"tomorrow"}`, "starts_at"},
		{`{"ends_at":"2026-03-03T08:00:00Z"}`, "ends_at"},
		{`{"ends_at":"2025-01-01T00:00:00Z"}`, "ends_at"},
		{`{"schedule":{"send_cron":"61 * * * *"}}`, "schedule.send_cron"},
		{`{"schedule":{"send_cron":""}}`, "schedule.send_cron"},
		{`{"schedule":{"send_cron":"0 11 * * *","active":[{"cron":"0 18 * * FRI","minutes":60}]}}`, "schedule.active"},
		{`{"audiences":{"include":[]}}`, "audiences.include"},
		{`{"audiences":{"include":["01900000-0000-7000-8000-000000000000"]}}`, "audiences.include[0]"},
		{`{"audiences":{"include":["AUD"],"exclude":["AUD"]}}`, "audiences.exclude[0]"},
		{`{"variants":[]}`, "variants"},
		{`{"variants":[{"key":"A","weight":60,"creative":{"text":"hi"}}]}`, "variants"},
		{`{"variants":[{"key":"A","weight":50,"creative":{"text":"hi"}},{"key":"A","weight":50,"creative":{"text":"yo"}}]}`, "variants[1].key"},
		{`{"variants":[{"key":"A","weight":50,"creative":{"text":"hi"}},{"key":"B","weight":50,"creative":{"text":""}}]}`, "variants[1].text"},
		{`{"variants":[{"key":"A","weight":100,"creative":{"text":"hi","quick_replies":[{"title":"` + long + `","payload":"P"}]}}]}`, "variants[0].creative.quick_replies[0].title"},
		{`{"variants":[{"key":"A","weight":100,"creative":{"text":"hi","quick_replies":[` + strings.Repeat(`{"title":"t","payload":"p"},`, 13) + `{"title":"t","payload":"p"}]}}]}`, "variants[0].creative.quick_replies"},
		{`{"variants":[{"key":"A","weight":100,"creative":{"text":"hi","buttons":[{"type":"call","title":"Call"}]}}]}`, "variants[0].creative.buttons[0].type"},
		{`{"variants":[{"key":"A","weight":100,"creative":{"text":"hi","buttons":[{"type":"web_url","title":"Go","url":"javascript:alert(1)"}]}}]}`, "variants[0].creative.buttons[0].url"},
		{`{"variants":[{"key":"A","weight":100,"creative":{"text":"` + strings.Repeat("y", 641) + `","buttons":[{"type":"postback","title":"Go","payload":"GO"}]}}]}`, "variants[0].creative.text"},
		{`{"variants":[{"key":"A","weight":100,"creative":{"text":"hi","welcome":{"greeting":"hello","ice_breakers":[{"question":"q","payload":"p"}]}}}]}`, "variants[0].creative.welcome"},
		{`{"holdout_percent":51}`, "holdout_percent"},
		{`{"frequency_cap":{"messages":0,"days":3}}`, "frequency_cap.messages"},
		{`{"ref":"spring menu"}`, "ref"},
	} {
		patch := strings.ReplaceAll(c.patch, "AUD", e.audience)
		// variants[1].text is written for the creative path; keep the table short.
		path := strings.Replace(c.path, "variants[1].text", "variants[1].creative.text", 1)
		body := merge(t, e.sponsored(), patch)
		_, err := e.st.Create(ctxAs("m"), input(t, body))
		f := fieldsOf(err)
		if f[path] == "" {
			t.Errorf("%s: want an error on %s, got %v", c.patch, path, err)
		}
	}
}

// merge overlays patch's top-level keys onto base.
func merge(t testing.TB, base, patch string) string {
	t.Helper()
	var b, p map[string]json.RawMessage
	if err := json.Unmarshal([]byte(base), &b); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(patch), &p); err != nil {
		t.Fatal(err)
	}
	for k, v := range p {
		b[k] = v
	}
	out, _ := json.Marshal(b)
	return string(out)
}

func TestAdsCampaignRules(t *testing.T) {
	e := newTestEnv(t)
	ads := `{"name":"Home","kind":"messenger_home","page_id":"` + testPage + `","ad_account_id":"2300000000001","objective":"OUTCOME_ENGAGEMENT",
		"budget":{"period":"lifetime","amount":"300"},"starts_at":"2026-03-03T00:00:00Z","ends_at":"2026-03-13T00:00:00Z",
		"schedule":{"active":[{"cron":"0 18 * * FRI","minutes":360}]},
		"variants":[{"key":"A","weight":100,"creative":{"text":"Come chat","welcome":{"greeting":"Hi!","ice_breakers":[{"question":"Menu?","payload":"MENU"}]}}}]}`
	c, err := e.st.Create(ctxAs("m"), input(t, ads))
	if err != nil {
		t.Fatalf("ads create: %v", err)
	}
	if c.AdAccountID != testAccount {
		t.Errorf("ad account %q not normalized", c.AdAccountID)
	}
	if _, err := e.st.PreviewSlot(context.Background(), c.ID); !errors.Is(err, tenancy.ErrConflict) {
		t.Errorf("slot preview of an ads campaign: %v, want a conflict", err)
	}
	for _, c := range []struct{ patch, path string }{
		{`{"objective":""}`, "objective"},
		{`{"ad_account_id":""}`, "ad_account_id"},
		{`{"budget":{"period":"lifetime","amount":"5"}}`, "budget.amount"},                              // 10 days × 1 EUR
		{`{"schedule":{"active":[{"cron":"30 18 * * FRI","minutes":360}]}}`, "schedule.active[0].cron"}, // whole hours
		{`{"schedule":{"active":[{"cron":"0 18 * * FRI","minutes":90}]}}`, "schedule.active[0].minutes"},
		{`{"schedule":{"send_cron":"0 11 * * *"}}`, "schedule.send_cron"},
		{`{"variants":[{"key":"A","weight":100,"creative":{"text":"x","buttons":[{"type":"postback","title":"t","payload":"p"}]}}]}`, "variants[0].creative.buttons"},
		{`{"variants":[{"key":"A","weight":100,"creative":{"text":"x","welcome":{"greeting":"g","ice_breakers":[]}}}]}`, "variants[0].creative.welcome.ice_breakers"},
	} {
		_, err := e.st.Create(ctxAs("m"), input(t, merge(t, ads, c.patch)))
		if fieldsOf(err)[c.path] == "" {
			t.Errorf("%s: want an error on %s, got %v", c.patch, c.path, err)
		}
	}
}

func TestLifecycleWithApproval(t *testing.T) {
	e := newTestEnv(t)
	ctx := ctxAs("manager@x")
	c, err := e.st.Create(ctx, input(t, e.sponsored()))
	if err != nil {
		t.Fatal(err)
	}
	step := func(action, reason, want string) Campaign {
		t.Helper()
		got, err := e.st.Act(ctxAs("admin@x"), c.ID, action, ActInput{Reason: reason})
		if err != nil || got.State != want {
			t.Fatalf("%s: state %q, err %v; want %s", action, got.State, err, want)
		}
		return got
	}
	refused := func(action, state string) {
		t.Helper()
		_, err := e.st.Act(ctx, c.ID, action, ActInput{Reason: ""})
		var se *StateError
		if !errors.As(err, &se) || se.State != state || !errors.Is(err, tenancy.ErrConflict) || !strings.Contains(err.Error(), state) {
			t.Errorf("%s in %s: %v, want a conflict naming the state", action, state, err)
		}
	}
	refused(ActLaunch, StateDraft)
	refused(ActApprove, StateDraft)
	step(ActSubmit, "", StatePendingApproval)
	if _, err := e.st.Act(ctx, c.ID, ActReject, ActInput{Reason: " "}); fieldsOf(err)["reason"] == "" {
		t.Errorf("reject without reason: %v", err)
	}
	r := step(ActReject, "Too pushy", StateDraft)
	if r.RejectReason != "Too pushy" {
		t.Errorf("reason %q", r.RejectReason)
	}
	step(ActSubmit, "", StatePendingApproval)
	a := step(ActApprove, "", StateScheduled)
	if a.ApprovedVersion != a.Version || a.ApprovedBy != "admin@x" || a.NextSlot == nil {
		t.Errorf("approved %+v", a)
	}
	refused(ActResume, StateScheduled)
	step(ActLaunch, "", StateRunning)
	refused(ActArchive, StateRunning)
	// Budget changes while running need no new approval; content does.
	u, err := e.st.Update(ctx, c.ID, input(t, `{"budget":{"period":"daily","amount":"30"}}`))
	if err != nil || u.State != StateRunning || u.Version != a.Version || u.Budget.Minor != 3000 {
		t.Fatalf("budget while running: %+v %v", u, err)
	}
	u, err = e.st.Update(ctx, c.ID, input(t, `{"name":"Spring menu v2"}`))
	if err != nil || u.State != StatePendingApproval || u.Version != a.Version+1 {
		t.Fatalf("content after approval: state %s version %d %v", u.State, u.Version, err)
	}
	step(ActApprove, "", StateScheduled)
	step(ActLaunch, "", StateRunning)
	step(ActPause, "", StatePaused)
	step(ActResume, "", StateRunning)
	if _, err := e.st.Update(ctx, c.ID, input(t, `{"name":""}`)); fieldsOf(err)["name"] == "" {
		t.Errorf("invalid update: %v", err)
	}
	if err := e.st.Delete(ctx, c.ID); !errors.Is(err, ErrState) {
		t.Errorf("delete running: %v", err)
	}
	// The flight ends: the sweep completes it, once.
	e.now = time.Date(2026, 4, 1, 0, 0, 1, 0, time.UTC)
	n, err := CompleteEnded(context.Background(), e.st.db, e.now, e.st.opts)
	if err != nil || n != 1 {
		t.Fatalf("complete: %d %v", n, err)
	}
	if n, _ := CompleteEnded(context.Background(), e.st.db, e.now, e.st.opts); n != 0 {
		t.Errorf("completed twice")
	}
	refused(ActPause, StateCompleted)
	if _, err := e.st.Update(ctx, c.ID, input(t, `{"name":"late"}`)); !errors.Is(err, ErrState) {
		t.Errorf("update completed: %v", err)
	}
	step(ActArchive, "", StateArchived)

	tl, err := e.st.Timeline(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range tl {
		got = append(got, ev.Action+":"+ev.ToState)
	}
	want := "create:draft submit:pending_approval reject:draft submit:pending_approval approve:scheduled launch:running " +
		"update:running update:pending_approval approve:scheduled launch:running pause:paused resume:running complete:completed archive:archived"
	if strings.Join(got, " ") != want {
		t.Errorf("timeline\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if tl[2].Detail != "Too pushy" || tl[2].Actor != "admin@x" || tl[12].Actor != "system" {
		t.Errorf("timeline details: %+v / %+v", tl[2], tl[12])
	}
	audit, _, err := e.ts.Audit(context.Background(), tenancy.AuditFilter{ObjectID: c.ID}, tenancy.Cursor{Limit: 100})
	if err != nil || len(audit) != len(tl) {
		t.Errorf("audit has %d entries for %d timeline events (%v)", len(audit), len(tl), err)
	}
}

func TestSubmitWithoutApproval(t *testing.T) {
	e := newTestEnv(t)
	off := false
	b, err := e.ts.UpdateBrand(context.Background(), e.brand.ID, tenancy.BrandInput{Settings: &tenancy.SettingsInput{ApprovalRequired: &off}})
	if err != nil {
		t.Fatal(err)
	}
	st := NewStore(e.st.db, e.st.tenant, b, e.st.opts)
	c, err := st.Create(ctxAs("m"), input(t, e.sponsored()))
	if err != nil {
		t.Fatal(err)
	}
	c, err = st.Act(ctxAs("m"), c.ID, ActSubmit, ActInput{Reason: ""})
	if err != nil || c.State != StateScheduled || c.ApprovedVersion != c.Version {
		t.Fatalf("submit: %+v %v", c, err)
	}
	// A content change keeps it scheduled: nobody has to approve.
	c, err = st.Update(ctxAs("m"), c.ID, input(t, `{"name":"Renamed"}`))
	if err != nil || c.State != StateScheduled {
		t.Fatalf("update: %s %v", c.State, err)
	}
}

func TestDeleteOnlyDrafts(t *testing.T) {
	e := newTestEnv(t)
	c, err := e.st.Create(ctxAs("m"), input(t, e.sponsored()))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.Delete(ctxAs("m"), c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Get(context.Background(), c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted draft still there: %v", err)
	}
}

func TestListAndBrandScope(t *testing.T) {
	e := newTestEnv(t)
	for i := 0; i < 3; i++ {
		body := merge(t, e.sponsored(), `{"ref":"r`+string(rune('a'+i))+`"}`)
		if _, err := e.st.Create(ctxAs("m"), input(t, body)); err != nil {
			t.Fatal(err)
		}
	}
	page1, next, err := e.st.List(context.Background(), Filter{}, tenancy.Cursor{Limit: 2})
	if err != nil || len(page1) != 2 || next == "" {
		t.Fatalf("page 1: %d %q %v", len(page1), next, err)
	}
	page2, next2, err := e.st.List(context.Background(), Filter{}, tenancy.Cursor{Limit: 2, After: next})
	if err != nil || len(page2) != 1 || next2 != "" || page2[0].ID == page1[1].ID {
		t.Fatalf("page 2: %d %q %v", len(page2), next2, err)
	}
	if _, _, err := e.st.List(context.Background(), Filter{State: "flying"}, tenancy.Cursor{}); fieldsOf(err)["state"] == "" {
		t.Errorf("bad filter: %v", err)
	}
	// Another brand of the same tenant sees none of them.
	name, cur, tz := "Other", "USD", "UTC"
	other, err := e.ts.CreateBrand(context.Background(), tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
	if err != nil {
		t.Fatal(err)
	}
	os := NewStore(e.st.db, e.st.tenant, other, e.st.opts)
	if list, _, _ := os.List(context.Background(), Filter{}, tenancy.Cursor{}); len(list) != 0 {
		t.Errorf("brand B lists %d of brand A's campaigns", len(list))
	}
	if _, err := os.Get(context.Background(), page1[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("brand B reads brand A's campaign: %v", err)
	}
	if _, err := os.Act(context.Background(), page1[0].ID, ActSubmit, ActInput{Reason: ""}); !errors.Is(err, ErrNotFound) {
		t.Errorf("brand B submits brand A's campaign: %v", err)
	}
}

// TestApproveWhatWasRead refuses an approval of a version the approver did not read, and a name saved
// unchanged is not a content change.
func TestApproveWhatWasRead(t *testing.T) {
	e := newTestEnv(t)
	c, err := e.st.Create(ctxAs("m"), input(t, e.sponsored()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Act(ctxAs("m"), c.ID, ActSubmit, ActInput{}); err != nil {
		t.Fatal(err)
	}
	u, err := e.st.Update(ctxAs("m"), c.ID, input(t, `{"name":"Spring menu"}`))
	if err != nil || u.Version != 1 {
		t.Fatalf("saving the same name: version %d, %v", u.Version, err)
	}
	if _, err := e.st.Update(ctxAs("m"), c.ID, input(t, `{"name":"Spring menu, again"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Act(ctxAs("a"), c.ID, ActApprove, ActInput{Version: 1}); !errors.Is(err, ErrChanged) {
		t.Errorf("approving version 1 of version 2: %v", err)
	}
	if a, err := e.st.Act(ctxAs("a"), c.ID, ActApprove, ActInput{Version: 2}); err != nil || a.ApprovedVersion != 2 {
		t.Errorf("approving version 2: %+v %v", a, err)
	}
}
