package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"relance/meta/sandbox"
)

// TestFacebookLoginConnectsTwoPages: an agency admin connects two Pages and an ad account of a brand by
// logging in with Facebook (the in-process sandbox plays the dialog, the code exchange and /me/accounts),
// picks them, and finds them on the brand's page; a cancelled login connects nothing.
func TestFacebookLoginConnectsTwoPages(t *testing.T) {
	chrome := requireChromium(t)
	srv := startRelance(t)
	b := &browser{t: t, ctx: newBrowser(t, chrome, 2*time.Minute), base: srv.URL}
	srv.Sandbox.RegisterPage("104000000000881", "Bistro Lyon", "")
	srv.Sandbox.RegisterPage("104000000000882", "Bistro Nice", "")
	srv.Sandbox.RegisterAccount(sandbox.Account{ID: "act_230000000000881", Name: "Bistro ads", Currency: "EUR", Timezone: "Europe/Paris"})
	srv.Sandbox.RegisterPerson(sandbox.Person{ID: "500000881", Name: "Camille Martin",
		Pages: []string{"104000000000881", "104000000000882"}, AdAccounts: []string{"act_230000000000881"}})

	b.loginWithOneTimePassword("admin@relance.local", srv.AdminPassword)
	b.changePassword(srv.AdminPassword, "admin-chose-this-password")
	brand := b.createBrand("Bistro", "EUR", "Europe/Paris")

	// Cancelled at the dialog: nothing is connected.
	b.open("/brands/"+brand+"/pages/new", 200)
	b.load("click Connect with Facebook", 200, chromedp.Click(css(`#facebook-login-start`)))
	b.do("wait for the dialog", chromedp.WaitVisible(css(`#dialog-deny`)))
	b.load("cancel at the dialog", 200, chromedp.Click(css(`#dialog-deny`)))
	b.do("wait for the cancellation", chromedp.WaitVisible(css(`#facebook-cancelled`)))

	b.open("/brands/"+brand+"/pages/new", 200)
	b.load("click Connect with Facebook again", 200, chromedp.Click(css(`#facebook-login-start`)))
	b.do("wait for the dialog", chromedp.WaitVisible(css(`#dialog-allow`)))
	if got := b.text(`#dialog-form`); !strings.Contains(got, "Camille Martin") {
		t.Fatalf("the dialog offers %q", got)
	}
	b.load("continue as Camille", 200, chromedp.Click(css(`#dialog-allow`)))
	b.do("wait for the picker", chromedp.WaitVisible(css(`#facebook-pick`)))
	if got := b.text(`#pick-pages`); !strings.Contains(got, "Bistro Lyon") || !strings.Contains(got, "Bistro Nice") {
		t.Fatalf("the picker lists %q", got)
	}
	if n := b.count(`#pick-pages img.avatar`); n != 2 {
		t.Errorf("the picker shows %d Page pictures, want 2", n)
	}
	b.screenshot("facebook-picker")
	b.do("pick both Pages and the ad account",
		chromedp.Click(css(`#pick-page-104000000000881`)),
		chromedp.Click(css(`#pick-page-104000000000882`)),
		chromedp.Click(css(`#pick-account-act_230000000000881`)),
	)
	b.load("connect them", 200, chromedp.Click(css(`#facebook-connect`)))
	b.do("wait for the brand page", chromedp.WaitVisible(css(`#brand-name`)))
	if f := b.text("main .flash"); !strings.Contains(f, "Bistro Lyon") || !strings.Contains(f, "Bistro Nice") {
		t.Fatalf("flash after connecting: %q%s", f, b.where())
	}
	if got := b.text(`#pages`); !strings.Contains(got, "Bistro Lyon") || !strings.Contains(got, "Bistro Nice") {
		t.Fatalf("the brand's Pages: %q", got)
	}
	if got := b.text(`main`); !strings.Contains(got, "act_230000000000881") {
		t.Fatalf("the ad account is not on the brand page%s", b.where())
	}
	b.screenshot("facebook-connected")
	// The browser never saw a token: not in the address, not in the page.
	if loc := b.location(); strings.Contains(loc, "EAAB") || strings.Contains(b.text("body"), "EAAB") {
		t.Fatal("an access token reached the browser")
	}
}
