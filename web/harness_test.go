package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"relance/attribution"
	"relance/audiences"
	"relance/campaigns"
	"relance/conversations"
	"relance/internal/testdb"
	"relance/meta"
	"relance/meta/sandbox"
	"relance/scheduler"
	"relance/tenancy"
	"relance/web"
)

// fixture is two agencies: A with brands A1 (a Page, an ad account) and A2, one user per role (brand roles on
// A1) and a brand_admin of A2; B with an agency_admin and brand B1.
type fixture struct {
	t      testing.TB
	store  *tenancy.Store
	srv    *web.Server
	a, b   tenancy.Tenant
	a1, a2 tenancy.Brand
	b1     tenancy.Brand
	page   tenancy.Page
	acct   tenancy.AdAccount
	users  map[string]tenancy.User     // role → user of agency A
	tokens map[string]string           // role → API token secret
	ids    map[string]tenancy.APIToken // role → token row
	other  map[string]tenancy.User     // "b_admin", "a2_brand_admin"
	// spare is an analyst of agency A that the role matrix disables, enables and resets, so that those
	// routes leave the users it calls as alone.
	spare   tenancy.User
	ingest  *conversations.Ingester
	contact string // a contact of brand A1, with a message
	// audience is an audience of brand A1, built once, so its snapshot holds contact.
	audience audiences.Audience
	// campaign is a draft campaign of brand A1 sending to audience.
	campaign campaigns.Campaign
	// run is a send slot of campaign with one send, to contact.
	run string
	// sb is the Meta sandbox the server's Graph client talks to (app secret sandboxSecret).
	sb *sandbox.Sandbox
	// deps built srv; rebuild changes them.
	deps web.Deps
	// logs holds what the server logged.
	logs *syncBuffer
}

// rebuild replaces the server with one built from the fixture's dependencies as change leaves them.
func (f *fixture) rebuild(change func(d *web.Deps)) {
	f.t.Helper()
	change(&f.deps)
	f.deps.Registry = prometheus.NewRegistry() // the old server's metrics stay registered in the old one
	srv, err := web.New(f.deps)
	if err != nil {
		f.t.Fatal(err)
	}
	f.srv = srv
}

// sandboxSecret is the app secret of the fixture's Meta sandbox: sandbox.PageToken(sandboxSecret, id) is
// the token Meta would give a Page's admin.
const sandboxSecret = "s"

// fixturePageToken is the Page token of A1's Page, as the sandbox issues it.
var fixturePageToken = sandbox.PageToken(sandboxSecret, "104999000000001")

// The Meta app of the shared webhook fixtures.
const (
	fixtureApp    = "555000000000001"
	fixtureSecret = "fixture-app-secret"
)

const testPassword = "correct horse battery"

func ptr(s string) *string { return &s }

// fixtureMetricsToken is the bearer token the fixture's /metrics asks for.
const fixtureMetricsToken = "metrics-test-token-0123456789"

func newFixture(t testing.TB) *fixture { t.Helper(); return newFixtureWith(t, nil) }

// newFixtureWith is newFixture with the server's dependencies changed by opt before the server is built.
func newFixtureWith(t testing.TB, opt func(*web.Deps)) *fixture {
	t.Helper()
	ctx := context.Background()
	v, err := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := tenancy.NewStore(ctx, testdb.Open(t), v)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, store: st, users: map[string]tenancy.User{}, tokens: map[string]string{},
		ids: map[string]tenancy.APIToken{}, other: map[string]tenancy.User{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.a, err = st.CreateTenant(ctx, "Agency Alpha", "alpha")
	must(err)
	f.b, err = st.CreateTenant(ctx, "Agency Beta", "beta")
	must(err)
	ta, tb := st.Tenant(f.a.ID), st.Tenant(f.b.ID)
	f.a1, err = ta.CreateBrand(ctx, tenancy.BrandInput{Name: ptr("Secret Brand A1"), Currency: ptr("EUR"), Timezone: ptr("Europe/Paris")})
	must(err)
	f.a2, err = ta.CreateBrand(ctx, tenancy.BrandInput{Name: ptr("Other Brand A2"), Currency: ptr("USD"), Timezone: ptr("America/New_York")})
	must(err)
	f.b1, err = tb.CreateBrand(ctx, tenancy.BrandInput{Name: ptr("Beta Brand"), Currency: ptr("JPY"), Timezone: ptr("Asia/Tokyo")})
	must(err)
	f.page, err = ta.ConnectPage(ctx, f.a1.ID, tenancy.PageInput{PageID: "104999000000001", Name: "Secret Page", AccessToken: fixturePageToken})
	must(err)
	f.acct, err = ta.AddAdAccount(ctx, f.a1.ID, tenancy.AdAccountInput{AccountID: "act_230999000000001", Name: "Secret Ads"})
	must(err)
	for _, role := range append(append([]string{}, tenancy.TenantRoles...), tenancy.BrandRoles...) {
		nu := tenancy.NewUser{Email: strings.ReplaceAll(role, "_", "-") + "@alpha.example", Password: testPassword, Role: role}
		if tenancy.IsBrandRole(role) {
			nu.BrandID = f.a1.ID
		}
		u, err := ta.CreateUser(ctx, nu)
		must(err)
		f.users[role] = u
		tok, secret, err := ta.CreateToken(ctx, u.ID, "test")
		must(err)
		f.tokens[role], f.ids[role] = secret, tok
	}
	f.other["b_admin"], err = tb.CreateUser(ctx, tenancy.NewUser{Email: "admin@beta.example", Password: testPassword, Role: tenancy.RoleAgencyAdmin})
	must(err)
	_, f.tokens["b_admin"], err = tb.CreateToken(ctx, f.other["b_admin"].ID, "test")
	must(err)
	f.other["a2_brand_admin"], err = ta.CreateUser(ctx, tenancy.NewUser{Email: "brand-admin-a2@alpha.example", Password: testPassword,
		Role: tenancy.RoleBrandAdmin, BrandID: f.a2.ID})
	must(err)
	_, f.tokens["a2_brand_admin"], err = ta.CreateToken(ctx, f.other["a2_brand_admin"].ID, "test")
	must(err)
	f.spare, err = ta.CreateUser(ctx, tenancy.NewUser{Email: "spare@alpha.example", Password: testPassword, Role: tenancy.RoleAnalyst})
	must(err)
	reg := prometheus.NewRegistry()
	f.logs = &syncBuffer{}
	log := slog.New(slog.NewTextHandler(f.logs, nil))
	f.ingest = conversations.NewIngester(st.DB(), v, reg, log, 5000)
	f.ingest.Observe(attribution.NewTracker(st.DB()).Observer())
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { f.ingest.Run(runCtx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	// A scheduler that is never started: pages read its run history.
	sched, err := scheduler.New(st.DB(), scheduler.Options{Instance: "test"})
	must(err)
	// Connecting a Page asks Meta (here the sandbox) to confirm the token is the Page's.
	f.sb, err = sandbox.New(sandbox.Options{AppSecret: sandboxSecret, AppID: fixtureApp, Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)})
	must(err)
	graph, err := meta.New(meta.Options{BaseURL: "http://sandbox.invalid", Version: "v25.0", AppSecret: sandboxSecret,
		SendRate: -1, Retries: 1, HTTP: &http.Client{Transport: f.sb.Transport()}})
	must(err)
	f.deps = web.Deps{Store: st, DB: st.DB(), Log: log, Registry: reg, Scheduler: sched, Graph: graph, MetricsToken: fixtureMetricsToken,
		Ingest: f.ingest, Webhook: web.WebhookConfig{AppID: fixtureApp, AppSecret: fixtureSecret, VerifyToken: "verify-me", NLPThreshold: 0.8}, Sessions: tenancy.SessionPolicy{Idle: time.Hour, Absolute: 24 * time.Hour},
		Login:   tenancy.LoginLimits{PerEmail: 5, PerIP: 50, Window: time.Minute},
		CSRFKey: []byte("0123456789abcdef0123456789abcdef"), BodyLimit: 1 << 20,
		DefaultCurrency: "EUR", DefaultTimezone: "Europe/Paris", DefaultPolicy: tenancy.PolicyMetaCurrent,
		LoginDialogURL: "http://example.com/sandbox", SandboxDialog: f.sb}
	if opt != nil {
		opt(&f.deps)
	}
	f.srv, err = web.New(f.deps)
	must(err)
	srv := f.srv
	// Registered after the ingester's: runs before it stops, so that a backfill still going ends cleanly.
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	f.contact = f.seedContact(ctx, f.page.PageID, "7199000000000001", "My e-mail is secret.person@example.com")
	f.audience = f.seedAudience(ctx)
	f.campaign = f.seedCampaign(ctx)
	f.seedLink(ctx, "A1 secret flyer")
	f.run = f.seedRun(ctx)
	return f
}

// withoutGraph rebuilds the fixture's server without a Graph client, as a server that cannot reach Meta.
func (f *fixture) withoutGraph() {
	f.rebuild(func(d *web.Deps) { d.Graph = nil })
	srv := f.srv
	f.t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
}

// campaignBody is a valid sponsored-message campaign of brand A1 (ref varies so that several can exist).
func (f *fixture) campaignBody(name, ref string) string {
	return `{"name":"` + name + `","kind":"sponsored_message","page_id":"` + f.page.PageID + `",
		"budget":{"period":"daily","amount":"25.00"},"schedule":{"send_cron":"0 11 * * MON,THU"},
		"audiences":{"include":["` + f.audience.ID + `"]},"ref":"` + ref + `",
		"variants":[{"key":"A","weight":100,"creative":{"text":"A1 secret campaign text","quick_replies":[{"title":"Book","payload":"BOOK"}]}}]}`
}

// seedLink gives the fixture's campaign a labelled link.
func (f *fixture) seedLink(ctx context.Context, label string) {
	f.t.Helper()
	if _, err := campaigns.NewStore(f.store.DB(), f.a.ID, f.a1, campaigns.Options{}).CreateLink(ctx, f.campaign.ID, campaigns.LinkInput{Label: label}); err != nil {
		f.t.Fatal(err)
	}
}

// seedCampaign creates a draft campaign of brand A1.
func (f *fixture) seedCampaign(ctx context.Context) campaigns.Campaign {
	f.t.Helper()
	var in campaigns.Input
	if err := json.Unmarshal([]byte(f.campaignBody("A1 secret campaign", "a1-secret")), &in); err != nil {
		f.t.Fatal(err)
	}
	cp, err := campaigns.NewStore(f.store.DB(), f.a.ID, f.a1, campaigns.Options{NextRun: scheduler.Next}).Create(ctx, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return cp
}

// seedRun records a past send slot of the campaign with one send to the seeded contact.
func (f *fixture) seedRun(ctx context.Context) string {
	f.t.Helper()
	run := tenancy.NewID()
	db := f.store.DB().W.WithContext(ctx)
	if err := db.Exec(`INSERT INTO campaign_runs (id, tenant_id, brand_id, campaign_id, slot, status, cause, send_at, started_at, finished_at)
		VALUES (?, ?, ?, ?, 60000, 'done', 'schedule', 60000, 60000, 61000)`, run, f.a.ID, f.a1.ID, f.campaign.ID).Error; err != nil {
		f.t.Fatal(err)
	}
	if err := db.Exec(`INSERT INTO campaign_sends (id, tenant_id, brand_id, campaign_id, run_id, slot, contact_id, page_id, psid, variant, route, status, sent_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 60000, ?, ?, '7199000000000001', 'A', 'free', 'sent', 60500, 60500)`,
		tenancy.NewID(), f.a.ID, f.a1.ID, f.campaign.ID, run, f.contact, f.page.PageID).Error; err != nil {
		f.t.Fatal(err)
	}
	return run
}

// seedAudience creates and builds an audience of brand A1 that holds the seeded contact.
func (f *fixture) seedAudience(ctx context.Context) audiences.Audience {
	f.t.Helper()
	st := audiences.NewStore(f.store.DB(), f.a.ID, f.a1, audiences.Options{Keep: 5})
	name := "A1 secret audience"
	a, err := st.Create(ctx, audiences.Input{Name: &name, Rule: []byte(`{"field":"inbound_count","op":"gte","value":1}`)})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := st.Build(ctx, a.ID, audiences.CauseManual); err != nil {
		f.t.Fatal(err)
	}
	return a
}

// seedContact stores one inbound message through the ingester and returns the contact's id.
func (f *fixture) seedContact(ctx context.Context, pageID, psid, text string) string {
	f.t.Helper()
	body := `{"object":"page","entry":[{"id":"` + pageID + `","time":1764064800000,"messaging":[{"sender":{"id":"` + psid +
		`"},"recipient":{"id":"` + pageID + `"},"timestamp":1764064800000,"message":{"mid":"m_seed_` + psid + `","text":"` + text + `"}}]}]}`
	entries, err := conversations.Parse([]byte(body), conversations.ParseOptions{AppID: fixtureApp, NLPThreshold: 0.8})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.ingest.Submit(ctx, entries); err != nil {
		f.t.Fatal(err)
	}
	var id string
	f.store.DB().R.Raw("SELECT id FROM contacts WHERE page_id = ? AND psid = ?", pageID, psid).Scan(&id)
	return id
}

// caller is who sends a request: a user through a fresh session (UI) or a token (API), or nobody.
type caller struct {
	user  *tenancy.User
	token string
}

// session starts a fresh session for u and returns its cookie secret and CSRF token.
func (f *fixture) session(u tenancy.User) (string, string) {
	f.t.Helper()
	secret, sess, err := f.store.CreateSession(context.Background(), u, "127.0.0.1", "test", tenancy.SessionPolicy{Idle: time.Hour, Absolute: 24 * time.Hour})
	if err != nil {
		f.t.Fatal(err)
	}
	return secret, sess.CSRFToken
}

// do sends one request. API paths use the caller's token; other paths a fresh session with its CSRF token.
func (f *fixture) do(c caller, method, path, body string) (int, string) {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	isAPI := strings.HasPrefix(path, "/api/")
	switch {
	case isAPI && c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Content-Type", "application/json")
	case !isAPI && c.user != nil:
		secret, csrf := f.session(*c.user)
		req.AddCookie(&http.Cookie{Name: "relance_session", Value: secret})
		if method != http.MethodGet {
			form := url.Values{}
			if body != "" {
				form, _ = url.ParseQuery(body)
			}
			form.Set("_csrf", csrf)
			req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
			req.AddCookie(&http.Cookie{Name: "relance_session", Value: secret})
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	case isAPI:
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// fill replaces path parameters with the fixture's objects of agency A.
func (f *fixture) fill(path string, realChildren bool) string {
	user := f.users[tenancy.RoleAnalyst].ID
	if userAction(path) {
		// Outsiders aim at A1's brand viewer, whom A2's brand admin must not reach; the matrix at the spare.
		user = f.spare.ID
		if realChildren {
			user = f.users[tenancy.RoleBrandViewer].ID
		}
	}
	r := strings.NewReplacer(":brand", f.a1.ID, ":user", user, "*", "app.css")
	path = r.Replace(path)
	if realChildren {
		return strings.NewReplacer(":page", f.page.ID, ":account", f.acct.ID, ":token", f.ids[tenancy.RoleAgencyAdmin].ID,
			":contact", f.contact, ":audience", f.audience.ID, ":campaign", f.campaign.ID, ":label", "A1%20secret%20flyer",
			":run", f.run).Replace(path)
	}
	// An id that exists nowhere: allowed callers get 404 without changing anything.
	const missing = "01900000-0000-7000-8000-000000000000"
	return strings.NewReplacer(":page", missing, ":account", missing, ":token", missing, ":contact", missing,
		":audience", missing, ":campaign", missing, ":label", "missing", ":run", missing).Replace(path)
}

// userAction reports a route that changes a user's access (disable, enable, password reset).
func userAction(path string) bool {
	return strings.Contains(path, "/users/:user/") && !strings.HasSuffix(path, "/roles") && !strings.HasSuffix(path, "/revoke")
}

// harmless is a body that every write route rejects with 422 (or that a read ignores), so that the role
// matrix can call each route as each role without changing the fixture.
func harmless(method, path string) string {
	if method == http.MethodGet {
		return ""
	}
	if strings.HasPrefix(path, "/api/") {
		if method == http.MethodDelete {
			return ""
		}
		if strings.HasSuffix(path, "/brands/:brand") {
			return `{"name": ""}`
		}
		return `{}`
	}
	return "name=&email=&role=&page_id=&account_id="
}
