package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// acceptConfirms makes the page's data-confirm dialogs answer yes (the next page load resets it).
func acceptConfirms() chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`window.confirm = function () { return true; }`)
}

// TestUserAccessInTheBrowser: an agency admin disables and enables a user from the user's screen, then resets
// their password; the user opens the one-time link, chooses a password and logs in with it.
func TestUserAccessInTheBrowser(t *testing.T) {
	chrome := requireChromium(t)
	srv := startRelance(t)
	b := &browser{t: t, ctx: newBrowser(t, chrome, 90*time.Second), base: srv.URL}
	const (
		adminEmail   = "admin@relance.local"
		analystEmail = "analyst@relance.local"
		chosen       = "analyst-chose-this-password"
	)
	b.loginWithOneTimePassword(adminEmail, srv.AdminPassword)
	b.changePassword(srv.AdminPassword, "admin-chose-this-password")

	const form = `form[action="/users"]`
	b.open("/users/new", 200)
	b.submit("create an analyst", form, `#one-time-password`,
		fill(form+` input[name="email"]`, analystEmail),
		chromedp.SetValue(css(form+` select[name="role"]`), "analyst"),
	)
	b.load("open the analyst's screen", 200, chromedp.Click(css(`#created-user footer a`)))
	userPath := b.location()

	b.do("accept confirmations", acceptConfirms())
	b.load("disable the analyst", 200, chromedp.Click(css(`#disable-user`)))
	if f := b.text("main .flash"); !strings.Contains(f, "is disabled") || b.count(`#user-disabled`) != 1 || b.count(`#enable-user`) != 1 {
		t.Fatalf("after disabling: flash %q%s", f, b.where())
	}
	b.screenshot("user-disabled")
	b.load("enable the analyst", 200, chromedp.Click(css(`#enable-user`)))
	if f := b.text("main .flash"); !strings.Contains(f, "can log in again") || b.count(`#user-disabled`) != 0 {
		t.Fatalf("after enabling: flash %q%s", f, b.where())
	}

	b.do("accept confirmations", acceptConfirms())
	b.submit("reset the analyst's password", `form[action="`+userPath+`/password-reset"]`, `#reset-url`)
	b.screenshot("password-reset")
	link := b.text("#reset-url")
	path, ok := strings.CutPrefix(link, srv.URL)
	if !ok || !strings.HasPrefix(path, "/password-reset/") {
		t.Fatalf("reset link %q is not on %s", link, srv.URL)
	}

	b.load("log out", 200, chromedp.Click(css(`#logout`)))
	const reset = `form[action^="/password-reset/"]`
	b.open(path, 200)
	b.submit("choose a password through the link", reset, loginForm,
		fill(reset+` input[name="new_password"]`, chosen),
		fill(reset+` input[name="confirm_password"]`, chosen),
	)
	b.open(path, 404) // spent
	b.open("/login", 200)
	b.submit("log in with the chosen password", loginForm, `#count-brands`,
		fill(loginForm+` input[name="email"]`, analystEmail),
		fill(loginForm+` input[name="password"]`, chosen),
	)
	if p := b.location(); p != "/" {
		t.Fatalf("the analyst's login landed on %s%s", p, b.where())
	}
}
