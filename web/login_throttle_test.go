package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"relance/web"
)

// loginFrom posts the login form with an X-Forwarded-For header (empty: none).
func (f *fixture) loginFrom(t *testing.T, xff, email, password string) int {
	t.Helper()
	token, cookie := f.loginForm(t)
	form := url.Values{"email": {email}, "password": {password}, "_csrf": {token}, "next": {"/"}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(cookie)
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// behindProxy rebuilds the fixture's server as if behind a reverse proxy: the test connection's peer
// (0.0.0.0) is trusted, so X-Forwarded-For names the client.
func (f *fixture) behindProxy() {
	f.rebuild(func(d *web.Deps) {
		d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")}
		d.ProxyHeader = "X-Forwarded-For"
	})
}

// TestLoginGuesserDoesNotLockOutTheOwner: ten wrong passwords from an attacker's address lock that address out
// of the account, not the owner, who still logs in from their own address. Before, the count was per e-mail,
// so the owner was locked out from everywhere.
func TestLoginGuesserDoesNotLockOutTheOwner(t *testing.T) {
	f := newFixture(t)
	f.behindProxy()
	const victim, attacker, owner = "finance@alpha.example", "198.51.100.7", "203.0.113.20"
	for i := 0; i < 10; i++ {
		f.loginFrom(t, attacker, victim, "wrong password")
	}
	if got := f.loginFrom(t, attacker, victim, testPassword); got != http.StatusTooManyRequests {
		t.Errorf("the attacker's address after 10 failures: %d, want 429", got)
	}
	// The attacker cannot pose as the owner: its own proxy appended its real address after what it sent.
	if got := f.loginFrom(t, owner+", "+attacker, victim, testPassword); got != http.StatusTooManyRequests {
		t.Errorf("the attacker sending X-Forwarded-For through the proxy: %d, want 429", got)
	}
	if got := f.loginFrom(t, owner, victim, testPassword); got != http.StatusSeeOther {
		t.Errorf("the owner from another address: %d, want 303", got)
	}
}

// TestLoginSuccessResetsTheCount: failures below the limit, a success, then as many failures again are all
// answered as failures, not throttled.
func TestLoginSuccessResetsTheCount(t *testing.T) {
	f := newFixture(t)
	f.behindProxy()
	const who, from = "analyst@alpha.example", "198.51.100.8"
	for round := 0; round < 3; round++ {
		for i := 0; i < 4; i++ { // the fixture allows 5 per account and address
			if got := f.loginFrom(t, from, who, "wrong password"); got != http.StatusUnauthorized {
				t.Fatalf("round %d failure %d: %d, want 401", round, i, got)
			}
		}
		if got := f.loginFrom(t, from, who, testPassword); got != http.StatusSeeOther {
			t.Fatalf("round %d login: %d, want 303", round, got)
		}
	}
}

// TestLoginIgnoresForwardedForFromUntrustedPeers: without trusted proxies, X-Forwarded-For is the client's
// word and is ignored: changing it at every attempt does not escape the count.
func TestLoginIgnoresForwardedForFromUntrustedPeers(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < 5; i++ {
		f.loginFrom(t, fmt.Sprintf("192.0.2.%d", i+1), "campaign-manager@alpha.example", "wrong password")
	}
	if got := f.loginFrom(t, "192.0.2.200", "campaign-manager@alpha.example", testPassword); got != http.StatusTooManyRequests {
		t.Errorf("6th attempt with a new spoofed X-Forwarded-For: %d, want 429", got)
	}
}
