package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUserManagementInTheBrowser: an agency admin invites a user by link; the user chooses a password
// through it, logs in and creates an API token; the admin sees the last login in the user list, revokes the
// token from the user's screen, disables and enables the user, and finds every action in the audit log.
func TestUserManagementInTheBrowser(t *testing.T) {
	chrome := requireChromium(t)
	srv := startRelance(t)
	b := &browser{t: t, ctx: newBrowser(t, chrome, 2*time.Minute), base: srv.URL}
	const (
		adminPassword = "admin-chose-this-password"
		invitee       = "invitee@relance.local"
		chosen        = "invitee-chose-this-password"
	)
	b.loginWithOneTimePassword("admin@relance.local", srv.AdminPassword)
	b.changePassword(srv.AdminPassword, adminPassword)

	const form = `form[action="/users"]`
	b.open("/users/new", 200)
	b.submit("invite an analyst", form, `#invite-url`,
		fill(form+` input[name="email"]`, invitee),
		chromedp.SetValue(css(form+` select[name="role"]`), "analyst"),
		chromedp.Click(css(`#access-invite`)),
	)
	b.screenshot("user-invited")
	link := b.text(`#invite-url`)
	path, ok := strings.CutPrefix(link, srv.URL)
	if !ok || !strings.HasPrefix(path, "/password-reset/") {
		t.Fatalf("invitation link %q is not on %s", link, srv.URL)
	}
	b.load("open the invitee's screen", 200, chromedp.Click(css(`#created-user footer a`)))
	userPath := b.location()
	b.load("log out", 200, chromedp.Click(css(`#logout`)))

	// The invitee.
	const reset = `form[action^="/password-reset/"]`
	b.open(path, 200)
	if got := b.text("main"); !strings.Contains(got, "You are invited") {
		t.Fatalf("the invitation page says %q", got)
	}
	b.submit("choose a password through the invitation", reset, loginForm,
		fill(reset+` input[name="new_password"]`, chosen),
		fill(reset+` input[name="confirm_password"]`, chosen),
	)
	b.open(path, 404) // spent
	b.open("/login", 200)
	b.submit("the invitee logs in", loginForm, `#count-brands`,
		fill(loginForm+` input[name="email"]`, invitee),
		fill(loginForm+` input[name="password"]`, chosen),
	)
	const tokenForm = `form[action="/tokens"]`
	b.open("/tokens", 200)
	b.submit("create an API token", tokenForm, `#token-secret`, fill(tokenForm+` input[name="name"]`, "reporting script"))
	b.load("log out", 200, chromedp.Click(css(`#logout`)))

	// The admin again.
	b.open("/login", 200)
	b.submit("the admin logs in", loginForm, `#count-brands`,
		fill(loginForm+` input[name="email"]`, "admin@relance.local"),
		fill(loginForm+` input[name="password"]`, adminPassword),
	)
	b.open("/users", 200)
	lastLogin, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(() => {
		const row = [...document.querySelectorAll('#users tbody tr')].find(r => r.textContent.includes('`+invitee+`'));
		return row ? row.cells[3].textContent.trim() : '';
	})()`))
	if err != nil {
		t.Fatalf("read the invitee's last login: %v", err)
	}
	if lastLogin == "" || lastLogin == "never" {
		t.Fatalf("the user list shows the invitee's last login as %q%s", lastLogin, b.where())
	}
	b.open(userPath, 200)
	if got := b.text(`#user-tokens`); !strings.Contains(got, "reporting script") {
		t.Fatalf("the user's screen lists tokens %q", got)
	}
	b.do("accept confirmations", acceptConfirms())
	b.load("revoke the token", 200, chromedp.Click(css(`#user-tokens button[type="submit"]`)))
	if f := b.text("main .flash"); !strings.Contains(f, "revoked") || strings.Contains(b.text(`#user-tokens`), "reporting script") {
		t.Fatalf("after revoking: flash %q%s", f, b.where())
	}
	b.do("accept confirmations", acceptConfirms())
	b.load("disable the invitee", 200, chromedp.Click(css(`#disable-user`)))
	b.load("enable the invitee", 200, chromedp.Click(css(`#enable-user`)))
	if f := b.text("main .flash"); !strings.Contains(f, "can log in again") {
		t.Fatalf("after enabling: flash %q%s", f, b.where())
	}

	b.open("/audit", 200)
	b.screenshot("user-management-audit")
	log := b.text(`#audit`)
	for _, action := range []string{"user.invite", "user.password", "login.success", "token.create", "token.revoke", "user.disable", "user.enable"} {
		if !strings.Contains(log, action) {
			t.Errorf("the audit log has no %s entry", action)
		}
	}
	if !strings.Contains(log, "reporting script of "+invitee) {
		t.Errorf("the revocation's entry does not name the token and its user")
	}
}
