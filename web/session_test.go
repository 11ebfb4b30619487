package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"relance/tenancy"
)

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// loginForm fetches the login page and returns its CSRF token and the pre-login cookie.
func (f *fixture) loginForm(t *testing.T) (string, *http.Cookie) {
	t.Helper()
	resp, err := f.srv.App().Test(httptest.NewRequest("GET", "/login", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	m := csrfInput.FindStringSubmatch(string(body))
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "relance_login" {
			cookie = c
		}
	}
	if m == nil || cookie == nil {
		t.Fatalf("login page has no CSRF token or cookie")
	}
	return m[1], cookie
}

func (f *fixture) postLogin(t *testing.T, email, password, token string, cookie *http.Cookie) *http.Response {
	t.Helper()
	form := url.Values{"email": {email}, "password": {password}, "_csrf": {token}, "next": {"/brands"}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestLoginFlow(t *testing.T) {
	f := newFixture(t)
	token, cookie := f.loginForm(t)
	if resp := f.postLogin(t, "analyst@alpha.example", testPassword, "forged", cookie); resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged CSRF: %d", resp.StatusCode)
	}
	if resp := f.postLogin(t, "analyst@alpha.example", testPassword, token, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("missing CSRF cookie: %d", resp.StatusCode)
	}
	if resp := f.postLogin(t, "analyst@alpha.example", "wrong password", token, cookie); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", resp.StatusCode)
	}
	resp := f.postLogin(t, "Analyst@Alpha.example", testPassword, token, cookie)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/brands" {
		t.Fatalf("login: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sess *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "relance_session" {
			sess = c
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite == http.SameSiteNoneMode {
		t.Fatalf("session cookie: %+v", sess)
	}
	req := httptest.NewRequest("GET", "/brands", nil)
	req.AddCookie(sess)
	r2, _ := f.srv.App().Test(req, -1)
	body, _ := io.ReadAll(r2.Body)
	if r2.StatusCode != 200 || !strings.Contains(string(body), f.a1.Name) || strings.Contains(string(body), f.b1.Name) {
		t.Errorf("brands page after login: %d", r2.StatusCode)
	}
	if csp := r2.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	// A write without the CSRF token is refused even with a valid session.
	req = httptest.NewRequest("POST", "/tokens", strings.NewReader("name=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(sess)
	if r3, _ := f.srv.App().Test(req, -1); r3.StatusCode != http.StatusForbidden {
		t.Errorf("POST without CSRF: %d", r3.StatusCode)
	}
}

func TestLoginIsThrottled(t *testing.T) {
	f := newFixture(t)
	token, cookie := f.loginForm(t)
	for i := 0; i < 5; i++ {
		f.postLogin(t, "finance@alpha.example", "wrong password", token, cookie)
	}
	if resp := f.postLogin(t, "finance@alpha.example", testPassword, token, cookie); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("6th attempt: %d, want 429", resp.StatusCode)
	}
}

func TestOneTimePasswordMustBeChanged(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, err := f.store.Tenant(f.a.ID).CreateUser(ctx, tenancy.NewUser{Email: "new@alpha.example", Password: "one-time-pass-123",
		MustChangePassword: true, Role: tenancy.RoleAnalyst})
	if err != nil {
		t.Fatal(err)
	}
	status, _ := f.do(caller{user: &u}, "GET", "/brands", "")
	if status != http.StatusFound {
		t.Fatalf("with a one-time password /brands answers %d, want a redirect to /account/password", status)
	}
	status, body := f.do(caller{user: &u}, "POST", "/account/password", "current_password=one-time-pass-123&new_password=my+own+password&confirm_password=my+own+password")
	if status != http.StatusSeeOther {
		t.Fatalf("change password: %d %s", status, trim(body))
	}
	u, _ = f.store.Tenant(f.a.ID).User(ctx, u.ID)
	if u.MustChangePassword {
		t.Fatal("still must change password")
	}
	if status, _ := f.do(caller{user: &u}, "GET", "/brands", ""); status != 200 {
		t.Errorf("after the change /brands answers %d", status)
	}
}

func TestProbesAndMetrics(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/livez", "/readyz"} {
		if status, body := f.do(caller{}, "GET", p, ""); status != 200 {
			t.Errorf("%s: %d %s", p, status, body)
		}
	}
	f.do(caller{token: f.tokens[admin]}, "GET", "/api/v1/brands/"+f.a1.ID, "")
	status, body := f.scrape(fixtureMetricsToken)
	if status != 200 || !strings.Contains(body, `relance_http_requests_total{method="GET",route="/api/v1/brands/:brand",status="200"}`) {
		t.Errorf("metrics: %d %s", status, trim(body))
	}
	if strings.Contains(body, f.a.ID) || strings.Contains(body, f.a1.ID) {
		t.Error("metrics carry a tenant or brand id")
	}
}
