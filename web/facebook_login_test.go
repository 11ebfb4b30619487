package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"relance/meta/sandbox"
	"relance/tenancy"
)

// browser is one logged-in browser session against the fixture's server.
type browser struct {
	f            *fixture
	secret, csrf string
}

func (f *fixture) browserOf(u tenancy.User) *browser {
	secret, csrf := f.session(u)
	return &browser{f: f, secret: secret, csrf: csrf}
}

// do sends a request with the session cookie (and the CSRF token in a form) and returns status, Location and body.
func (b *browser) do(method, target string, form url.Values) (int, string, string) {
	b.f.t.Helper()
	var rd io.Reader
	if form != nil {
		form.Set("_csrf", b.csrf)
		rd = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, rd)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.AddCookie(&http.Cookie{Name: "relance_session", Value: b.secret})
	resp, err := b.f.srv.App().Test(req, -1)
	if err != nil {
		b.f.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

// fbPerson registers the fixture sandbox's Facebook user: two new Pages, A1's connected Page, a new ad
// account and A1's attached one.
func (f *fixture) fbPerson() {
	f.sb.RegisterPage("104555000000001", "Bistro Lyon", "")
	f.sb.RegisterPage("104555000000002", "Bistro Nice", "")
	f.sb.RegisterAccount(sandbox.Account{ID: "act_230555000000001", Name: "Bistro ads", Currency: "EUR", Timezone: "Europe/Paris"})
	f.sb.RegisterPerson(sandbox.Person{ID: "500555", Name: "Camille",
		Pages:      []string{"104555000000001", "104555000000002", f.page.PageID},
		AdAccounts: []string{"act_230555000000001", f.acct.AccountID}})
}

// fbDialog starts a login as b and walks the sandbox's dialog; it returns the callback URL Meta sends back.
func (b *browser) fbDialog(decision string) string {
	t, f := b.f.t, b.f
	t.Helper()
	status, loc, body := b.do("GET", "/brands/"+f.a1.ID+"/pages/facebook-login", nil)
	if status != http.StatusFound || !strings.HasPrefix(loc, "http://example.com/sandbox/dialog/oauth?") {
		t.Fatalf("start: %d %q %s", status, loc, trim(body))
	}
	u, _ := url.Parse(loc)
	q := u.Query()
	if q.Get("client_id") != fixtureApp || q.Get("redirect_uri") != "http://example.com/oauth/facebook/callback" || len(q.Get("state")) < 20 ||
		q.Get("scope") != "pages_show_list,pages_messaging,pages_manage_metadata,ads_management,business_management" {
		t.Fatalf("dialog URL: %s", loc)
	}
	// The browser at Meta's dialog: no relance session is needed there.
	dialog := u.RequestURI()
	req := httptest.NewRequest("GET", dialog, nil)
	resp, err := f.srv.App().Test(req, -1)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("dialog: %v %v", resp, err)
	}
	req = httptest.NewRequest("POST", dialog, strings.NewReader(url.Values{"person": {"500555"}, "decision": {decision}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = f.srv.App().Test(req, -1)
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("dialog decision: %v %v", resp, err)
	}
	back := resp.Header.Get("Location")
	if !strings.HasPrefix(back, "http://example.com/oauth/facebook/callback?") {
		t.Fatalf("dialog redirect: %s", back)
	}
	return strings.TrimPrefix(back, "http://example.com")
}

// callback follows Meta's redirect back as b: the callback answers 303 to the picker, which is returned.
func (b *browser) callback(target string) (int, string) {
	b.f.t.Helper()
	status, loc, body := b.do("GET", target, nil)
	if status != http.StatusSeeOther || loc != "/brands/"+b.f.a1.ID+"/pages/facebook-login/pick" {
		return status, body
	}
	status, _, body = b.do("GET", loc, nil)
	return status, body
}

// a1Counts counts A1's Pages and ad accounts.
func (f *fixture) a1Counts() (int, int) {
	ctx := context.Background()
	ta := f.store.Tenant(f.a.ID)
	pages, _ := ta.Pages(ctx, f.a1.ID)
	accts, _ := ta.AdAccounts(ctx, f.a1.ID)
	return len(pages), len(accts)
}

// TestFacebookLoginConnectsTwoPages: start → dialog → callback → picker → connect two Pages and an ad
// account with the tokens Meta lists; no token reaches the page; the login works once.
func TestFacebookLoginConnectsTwoPages(t *testing.T) {
	f := newFixture(t)
	f.fbPerson()
	b := f.browserOf(f.users[admin])
	var before, n int64
	f.store.DB().R.Raw("SELECT COUNT(*) FROM audit_log WHERE action = ?", tenancy.ActionPageConnect).Scan(&before)
	callback := b.fbDialog("allow")
	status, body := b.callback(callback)
	if status != http.StatusOK || !strings.Contains(body, "Bistro Lyon") || !strings.Contains(body, "Bistro Nice") ||
		!strings.Contains(body, "already connected") || !strings.Contains(body, "already attached") ||
		!strings.Contains(body, `src="data:image/svg`) {
		t.Fatalf("picker: %d %s", status, body)
	}
	if strings.Contains(body, "EAAB") || strings.Contains(body, sandbox.PageToken(sandboxSecret, "104555000000001")) {
		t.Fatal("the picker shows an access token")
	}
	// The picker reloads; another session of the same user does not see it.
	if status, _, _ := b.do("GET", "/brands/"+f.a1.ID+"/pages/facebook-login/pick", nil); status != http.StatusOK {
		t.Fatalf("picker reloaded: %d", status)
	}
	if status, _, _ := f.browserOf(f.users[admin]).do("GET", "/brands/"+f.a1.ID+"/pages/facebook-login/pick", nil); status != http.StatusBadRequest {
		t.Fatalf("picker from another session: %d", status)
	}
	var enc string
	f.store.DB().R.Raw("SELECT token_enc FROM facebook_logins").Scan(&enc)
	if enc == "" || strings.Contains(enc, "EAAB") {
		t.Fatalf("the person's token is not kept sealed: %q", enc)
	}
	status, loc, body := b.do("POST", "/brands/"+f.a1.ID+"/pages/facebook-login/connect",
		url.Values{"page_ids": {"104555000000001", "104555000000002"}, "ad_account_ids": {"act_230555000000001"}})
	if status != http.StatusSeeOther || loc != "/brands/"+f.a1.ID {
		t.Fatalf("connect: %d %q %s", status, loc, trim(body))
	}
	if p, a := f.a1Counts(); p != 3 || a != 2 {
		t.Fatalf("A1 has %d Pages and %d ad accounts, want 3 and 2", p, a)
	}
	ctx := context.Background()
	ta := f.store.Tenant(f.a.ID)
	pages, _ := ta.Pages(ctx, f.a1.ID)
	for _, pg := range pages {
		if pg.PageID == "104555000000002" {
			tok, err := ta.OpenPageToken(pg)
			if err != nil || tok != sandbox.PageToken(sandboxSecret, "104555000000002") || pg.VerifiedAt == nil {
				t.Fatalf("Page stored without its own token or unverified: %+v %v", pg, err)
			}
		}
	}
	if tok, err := ta.AdAccountToken(ctx, f.a1.ID, "act_230555000000001"); err != nil || !strings.HasPrefix(tok, "EAABsbxU") {
		t.Fatalf("ad account token: %q %v", tok, err)
	}
	f.store.DB().R.Raw("SELECT COUNT(*) FROM audit_log WHERE action = ? AND tenant_id = ?", tenancy.ActionPageConnect, f.a.ID).Scan(&n)
	if n != before+2 {
		t.Fatalf("%d new page.connect entries, want 2", n-before)
	}
	f.store.DB().R.Raw("SELECT COUNT(*) FROM facebook_logins").Scan(&n)
	if n != 0 {
		t.Fatalf("the login (and its token) is still kept: %d rows", n)
	}
	// Replays: the picker and the callback work once.
	if status, _, body := b.do("POST", "/brands/"+f.a1.ID+"/pages/facebook-login/connect", url.Values{"page_ids": {"104555000000001"}}); status != http.StatusBadRequest ||
		!strings.Contains(body, "not valid") {
		t.Fatalf("connect replayed: %d %s", status, trim(body))
	}
	if status, body := b.callback(callback); status != http.StatusBadRequest || !strings.Contains(body, "already used") {
		t.Fatalf("callback replayed: %d %s", status, trim(body))
	}
}

// TestFacebookLoginRefusals: a cancelled login, a tampered state, a state of another session, user or
// agency, a replayed code and a Page the login does not manage are refused with a clear message and
// connect nothing.
func TestFacebookLoginRefusals(t *testing.T) {
	f := newFixture(t)
	f.fbPerson()
	b := f.browserOf(f.users[admin])
	pages, accts := f.a1Counts()
	unchanged := func(step string) {
		t.Helper()
		if p, a := f.a1Counts(); p != pages || a != accts {
			t.Fatalf("%s: A1 now has %d Pages and %d ad accounts", step, p, a)
		}
	}

	cancelled := b.fbDialog("deny")
	status, body := b.callback(cancelled)
	if status != http.StatusOK || !strings.Contains(body, "cancelled: nothing was connected") {
		t.Fatalf("cancelled: %d %s", status, trim(body))
	}
	unchanged("cancelled")

	callback := b.fbDialog("allow")
	u, _ := url.Parse(callback)
	q := u.Query()
	tampered := url.Values{"code": {q.Get("code")}, "state": {q.Get("state") + "x"}}
	if status, _, body := b.do("GET", "/oauth/facebook/callback?"+tampered.Encode(), nil); status != http.StatusBadRequest || !strings.Contains(body, "not valid") {
		t.Fatalf("tampered state: %d %s", status, trim(body))
	}
	bAdmin, a2Admin := f.other["b_admin"], f.other["a2_brand_admin"]
	for who, other := range map[string]*browser{"another session of the same user": f.browserOf(f.users[admin]),
		"another agency's admin": f.browserOf(bAdmin), "another brand's admin": f.browserOf(a2Admin)} {
		if status, body := other.callback(callback); status != http.StatusBadRequest || !strings.Contains(body, "not valid") {
			t.Fatalf("%s used the state: %d %s", who, status, trim(body))
		}
		if status, _, _ := other.do("POST", "/brands/"+f.a1.ID+"/pages/facebook-login/connect", url.Values{"page_ids": {"104555000000001"}}); status != http.StatusBadRequest &&
			status != http.StatusNotFound && status != http.StatusForbidden {
			t.Fatalf("%s reached the picker: %d", who, status)
		}
	}
	unchanged("others")
	// The refusals spent nothing: the owner's callback still works.
	if status, body := b.callback(callback); status != http.StatusOK || !strings.Contains(body, "Bistro Lyon") {
		t.Fatalf("owner's callback: %d %s", status, trim(body))
	}
	// A Page the login does not manage: 422 naming it, nothing connected, the picker still usable.
	status, _, body = b.do("POST", "/brands/"+f.a1.ID+"/pages/facebook-login/connect", url.Values{"page_ids": {"104555000000001", "104999000000077"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "page_ids[1]") {
		t.Fatalf("foreign Page: %d %s", status, trim(body))
	}
	unchanged("foreign Page")

	// The same code again, under a fresh state of this session: Meta refuses the code.
	fresh := b.fbDialog("allow")
	fu, _ := url.Parse(fresh)
	replay := url.Values{"code": {q.Get("code")}, "state": {fu.Query().Get("state")}}
	if status, _, body := b.do("GET", "/oauth/facebook/callback?"+replay.Encode(), nil); status != http.StatusBadRequest || !strings.Contains(body, "Meta refused") {
		t.Fatalf("replayed code: %d %s", status, trim(body))
	}
	unchanged("replayed code")
}

// TestFacebookLoginConnectsWithJSON: the picker's choice may be JSON (with the session's CSRF header); an
// id the login does not reach is a 422 naming it, and the answer lists each Page's outcome.
func TestFacebookLoginConnectsWithJSON(t *testing.T) {
	f := newFixture(t)
	f.fbPerson()
	b := f.browserOf(f.users[admin])
	if status, body := b.callback(b.fbDialog("allow")); status != http.StatusOK {
		t.Fatalf("callback: %d %s", status, trim(body))
	}
	post := func(body string) (int, string) {
		req := httptest.NewRequest("POST", "/brands/"+f.a1.ID+"/pages/facebook-login/connect", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", b.csrf)
		req.AddCookie(&http.Cookie{Name: "relance_session", Value: b.secret})
		resp, err := f.srv.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	if status, body := post(`{"page_ids":["104555000000001"],"ad_account_ids":["act_230999000000077"]}`); status != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "ad_account_ids[0]") {
		t.Fatalf("unknown ad account: %d %s", status, body)
	}
	if p, _ := f.a1Counts(); p != 1 {
		t.Fatalf("A1 has %d Pages after a refused choice", p)
	}
	status, body := post(`{"page_ids":["104555000000001","104555000000002"]}`)
	if status != http.StatusOK || strings.Count(body, `"connected":true`) != 2 {
		t.Fatalf("connect: %d %s", status, body)
	}
	if p, _ := f.a1Counts(); p != 3 {
		t.Fatalf("A1 has %d Pages, want 3", p)
	}
}
