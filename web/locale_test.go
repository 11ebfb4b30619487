package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestLocaleAndZone: money follows the browser's Accept-Language until the user picks a locale in the footer
// (a cookie), which then wins; an unknown locale is refused with 422 and changes nothing; agency-level times
// follow the browser's zone cookie, brand times the brand's zone whatever the viewer's.
func TestLocaleAndZone(t *testing.T) {
	f := newFixture(t)
	u := f.users[admin]
	secret, csrf := f.session(u)
	send := func(method, path, body string, header map[string]string) (*http.Response, string) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req := httptest.NewRequest(method, path, rd)
		req.AddCookie(&http.Cookie{Name: "relance_session", Value: secret})
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := f.srv.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	page := "/brands/" + f.a1.ID + "/campaigns/" + f.campaign.ID
	const en, fr = "€25.00", "25,00\u00a0€" // the fixture's daily budget, EUR

	for _, c := range []struct{ what, acceptLanguage, cookie, want, not string }{
		{"no preference", "", "", en, fr},
		{"a French browser", "fr-FR,fr;q=0.9,en;q=0.5", "", fr, en},
		{"a German browser", "de-DE,de;q=0.9", "", en, fr},
		{"a French browser whose user chose English", "fr-FR", "relance_locale=en", en, fr},
		{"an English browser whose user chose French", "en-US", "relance_locale=fr", fr, en},
	} {
		h := map[string]string{}
		if c.acceptLanguage != "" {
			h["Accept-Language"] = c.acceptLanguage
		}
		if c.cookie != "" {
			h["Cookie"] = "relance_session=" + secret + "; " + c.cookie
		}
		resp, body := send("GET", page, "", h)
		if resp.StatusCode != 200 || !strings.Contains(body, c.want) || strings.Contains(body, c.not) {
			t.Errorf("%s: %d, want the budget as %q (not %q) in %s", c.what, resp.StatusCode, c.want, c.not, trim(body))
		}
	}

	// The selector: the choice is kept in a cookie and the user returns to the page they were on.
	form := url.Values{"_csrf": {csrf}, "locale": {"fr"}, "back": {page}}
	resp, _ := send("POST", "/account/locale", form.Encode(), nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
		t.Errorf("choose French: %d to %q, want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), page)
	}
	if got := localeCookie(resp); got != "fr" {
		t.Errorf("choose French: cookie %q, want fr", got)
	}
	// Another site is not a place to return to.
	form.Set("back", "//evil.example/x")
	if resp, _ := send("POST", "/account/locale", form.Encode(), nil); resp.Header.Get("Location") != "/" {
		t.Errorf("back to another site: redirected to %q, want /", resp.Header.Get("Location"))
	}
	// An unsupported locale is refused with its field, and no cookie is set.
	for _, bad := range []string{"de", "", "fr;x=1", strings.Repeat("f", 200)} {
		form := url.Values{"_csrf": {csrf}, "locale": {bad}, "back": {page}}
		resp, body := send("POST", "/account/locale", form.Encode(), nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "locale") {
			t.Errorf("locale %q: %d, want 422 naming the field: %s", bad, resp.StatusCode, trim(body))
		}
		if got := localeCookie(resp); got != "" {
			t.Errorf("locale %q set the cookie to %q", bad, got)
		}
	}
	// Without the CSRF token the choice is refused.
	if resp, _ := send("POST", "/account/locale", "locale=fr", nil); resp.StatusCode != http.StatusForbidden || localeCookie(resp) != "" {
		t.Errorf("without CSRF: %d, want 403 and no cookie", resp.StatusCode)
	}

	// Agency-level times in the viewer's zone, with its abbreviation; UTC when the browser has not said.
	_, body := send("GET", "/audit", "", map[string]string{"Cookie": "relance_session=" + secret + "; relance_tz=Asia/Tokyo"})
	if !strings.Contains(body, "When (JST)") || !strings.Contains(body, " JST</time>") {
		t.Errorf("the audit log with the Tokyo zone does not show JST times: %s", trim(body))
	}
	if _, body := send("GET", "/audit", "", nil); !strings.Contains(body, "When (UTC)") || !strings.Contains(body, " UTC</time>") {
		t.Errorf("the audit log without a zone does not show UTC times: %s", trim(body))
	}
	// A brand's times stay in the brand's zone (Paris) whatever the viewer's zone, with UTC on hover.
	_, body = send("GET", page, "", map[string]string{"Cookie": "relance_session=" + secret + "; relance_tz=Asia/Tokyo"})
	if !strings.Contains(body, " CET</time>") && !strings.Contains(body, " CEST</time>") {
		t.Errorf("the campaign page does not show its times in the brand's zone: %s", trim(body))
	}
	if strings.Contains(body, " JST</time>") || !strings.Contains(body, `title="`) {
		t.Errorf("the campaign page shows the viewer's zone, or no UTC on hover: %s", trim(body))
	}
}

// localeCookie is the relance_locale cookie a response sets, or "".
func localeCookie(resp *http.Response) string {
	for _, c := range resp.Cookies() {
		if c.Name == "relance_locale" {
			return c.Value
		}
	}
	return ""
}
