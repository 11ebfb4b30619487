// Package e2e_test drives relance in a real browser (headless Chromium through the DevTools protocol): the
// acceptance scenario of the foundation, from the bootstrap one-time password to brand isolation.
package e2e_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"relance/meta/sandbox"
)

// browser is a Chromium tab on one relance server; every step fails the test with its name.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// css selects the first element that matches a CSS selector.
func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// do performs one named step made of actions that return nothing.
func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v%s", step, err, b.where())
	}
}

// load performs actions that navigate (a link, a form submit), waits for the new document and fails
// unless its HTTP status is want.
func (b *browser) load(step string, want int64, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, actions...)
	if err != nil {
		b.t.Fatalf("%s: %v%s", step, err, b.where())
	}
	if resp.Status != want {
		b.t.Fatalf("%s: HTTP %d for %s, want %d%s", step, resp.Status, resp.URL, want, b.where())
	}
}

// open loads path and fails unless its HTTP status is want.
func (b *browser) open(path string, want int64) {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v%s", path, err, b.where())
	}
	if resp.Status != want {
		b.t.Fatalf("open %s: HTTP %d, want %d%s", path, resp.Status, want, b.where())
	}
}

// where describes the current page for a failure message, if the browser still answers.
func (b *browser) where() string {
	if b.ctx.Err() != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return ""
	}
	body, _ := chromedp.Run(ctx, chromedp.Text(css("body")))
	return "\n  at " + loc + "\n  page text: " + strings.Join(strings.Fields(body), " ")
}

// fill replaces the value of the input matched by sel by typing value into it, and checks the result.
// (Clear, not SetValue(sel, ""): chromedp v0.23.0 sends an empty string argument as undefined, so
// SetValue with "" leaves the text "undefined" in the field.)
func fill(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(css(sel)),
		chromedp.Clear(css(sel)),
		chromedp.SendKeys(css(sel), value),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			got, err := chromedp.Value(css(sel))(ctx, t)
			if err == nil && got != value {
				err = fmt.Errorf("%s holds %q after typing %q", sel, got, value)
			}
			return err
		}),
	)
}

// text returns the visible text of sel, with runs of white space collapsed.
func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(css(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("read the text of %s: %v%s", sel, err, b.where())
	}
	return strings.Join(strings.Fields(s), " ")
}

// location returns the path of the current page.
func (b *browser) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("read the location: %v", err)
	}
	return strings.TrimPrefix(loc, b.base)
}

// count returns how many elements match sel.
func (b *browser) count(sel string) int {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(sel)+`).length`))
	if err != nil {
		b.t.Fatalf("count %s: %v%s", sel, err, b.where())
	}
	return n
}

// screenshot saves the whole page when RELANCE_E2E_SCREENSHOTS names a directory.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	dir := screenshotDir()
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
}

const (
	loginForm    = `form[action="/login"]`
	passwordForm = `form[action="/account/password"]`
)

// submit clicks the submit button of form, expects HTTP 200 for the page it leads to, and waits there for
// the element arrive, which the form's own page must not have.
func (b *browser) submit(step, form, arrive string, fields ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.do(step+": fill the form", fields...)
	b.load(step, 200, chromedp.Click(css(form+` button[type="submit"]`)))
	b.do(step+": wait for "+arrive, chromedp.WaitVisible(css(arrive)))
}

// loginWithOneTimePassword submits the login form and expects the forced password change.
func (b *browser) loginWithOneTimePassword(email, password string) {
	b.t.Helper()
	b.open("/login", 200)
	b.submit("log in as "+email, loginForm, passwordForm+` input[name="new_password"]`,
		fill(loginForm+` input[name="email"]`, email),
		fill(loginForm+` input[name="password"]`, password),
	)
	if p := b.location(); p != "/account/password" {
		b.t.Fatalf("%s with a one-time password landed on %s, want /account/password", email, p)
	}
	if h := b.text("main h1"); h != "Choose your password" {
		b.t.Fatalf("forced password page title = %q, want %q", h, "Choose your password")
	}
	// Until the password is changed, the navigation offers nothing but the account and logout.
	if n := b.count(`header nav a[href="/"]:not(.brandmark), header nav a[href="/brands"], header nav a[href="/tokens"]`); n != 0 {
		b.t.Errorf("the forced password page of %s shows %d navigation links", email, n)
	}
}

// changePassword fills the password form and expects the dashboard.
func (b *browser) changePassword(current, next string) {
	b.t.Helper()
	b.submit("change the password", passwordForm, `#count-brands`,
		fill(passwordForm+` input[name="current_password"]`, current),
		fill(passwordForm+` input[name="new_password"]`, next),
		fill(passwordForm+` input[name="confirm_password"]`, next),
	)
	if p := b.location(); p != "/" {
		b.t.Fatalf("the password change landed on %s, want the dashboard", p)
	}
	if f := b.text("main .flash"); f != "Your password was changed." {
		b.t.Fatalf("flash after the password change = %q", f)
	}
}

// createBrand fills /brands/new and returns the new brand's id, read from the page it lands on.
func (b *browser) createBrand(name, currency, timezone string) string {
	b.t.Helper()
	const form = `form[action="/brands"]`
	b.open("/brands/new", 200)
	b.submit("create brand "+name, form, `#brand-name`,
		fill(form+` input[name="name"]`, name),
		fill(form+` input[name="currency"]`, currency),
		fill(form+` input[name="timezone"]`, timezone),
	)
	id, ok := strings.CutPrefix(b.location(), "/brands/")
	if !ok || id == "" || strings.Contains(id, "/") {
		b.t.Fatalf("creating %s did not land on its brand page%s", name, b.where())
	}
	if got := b.text("#brand-name"); got != name {
		b.t.Fatalf("brand page title = %q, want %q", got, name)
	}
	if got := b.text("#brand-name + p"); !strings.HasPrefix(got, currency+" · "+timezone+" · ") {
		b.t.Fatalf("brand details = %q, want %s · %s · policy", got, currency, timezone)
	}
	return id
}

func TestFoundationAcceptance(t *testing.T) {
	chrome := requireChromium(t)
	srv := startRelance(t)
	b := &browser{t: t, ctx: newBrowser(t, chrome, 90*time.Second), base: srv.URL}

	const (
		adminEmail    = "admin@relance.local"
		adminPassword = "admin-chose-this-password"
		brandA        = "Maison Lumière"
		brandB        = "Boulangerie Dupont"
		pageID        = "104000000000777"
		pageName      = "Maison Lumière FR"
		viewerEmail   = "client@maison-lumiere.example"
		viewerName    = "Claire Client"
		viewerChosen  = "viewer-chose-this-password"
	)

	pageToken := sandbox.PageToken(e2eAppSecret, pageID)

	// The bootstrap administrator logs in with the one-time password and must choose a new one.
	b.loginWithOneTimePassword(adminEmail, srv.AdminPassword)
	b.changePassword(srv.AdminPassword, adminPassword)

	// A brand with a connected Page.
	idA := b.createBrand(brandA, "EUR", "Europe/Paris")
	pageForm := `form[action="/brands/` + idA + `/pages"]`
	b.load("click Connect a Page", 200, chromedp.Click(css(`#connect-page`)))
	b.screenshot("connect-page")
	b.submit("connect a Page to "+brandA, pageForm, `#pages`,
		fill(pageForm+` input[name="page_id"]`, pageID),
		fill(pageForm+` input[name="name"]`, pageName),
		fill(pageForm+` input[name="access_token"]`, pageToken),
	)
	if p := b.location(); p != "/brands/"+idA {
		t.Fatalf("connecting the Page landed on %s, want /brands/%s", p, idA)
	}
	pages := b.text("#pages tbody")
	if !strings.Contains(pages, pageName) || !strings.Contains(pages, pageID) || !strings.Contains(pages, "…"+pageToken[len(pageToken)-4:]) {
		t.Fatalf("Pages table = %q, want %s, %s and the token hint", pages, pageName, pageID)
	}
	if strings.Contains(pages, pageToken) {
		t.Fatalf("the Pages table shows the whole access token: %q", pages)
	}

	// A second brand, which the viewer must not see.
	idB := b.createBrand(brandB, "EUR", "Europe/Paris")
	if idA == idB {
		t.Fatalf("both brands have id %s", idA)
	}
	b.open("/brands", 200)
	if n := b.count(`#brands tbody tr`); n != 2 {
		t.Fatalf("the administrator sees %d brands, want 2", n)
	}
	b.open("/", 200)
	if n := b.text("#count-brands"); n != "2" {
		t.Fatalf("dashboard brand count = %s, want 2", n)
	}
	if n := b.text("#count-pages"); n != "1" {
		t.Fatalf("dashboard Page count = %s, want 1", n)
	}
	b.screenshot("dashboard")

	// A brand_viewer of the first brand, created from its People screen.
	peopleForm := `form[action="/brands/` + idA + `/users"]`
	b.open("/brands/"+idA+"/users", 200)
	b.submit("create a brand viewer", peopleForm, `#one-time-password`,
		fill(peopleForm+` input[name="email"]`, viewerEmail),
		fill(peopleForm+` input[name="name"]`, viewerName),
		chromedp.SetValue(css(peopleForm+` select[name="role"]`), "brand_viewer"),
	)
	viewerOTP := b.text("#one-time-password")
	if len(viewerOTP) < 10 || strings.ContainsAny(viewerOTP, " \t") {
		t.Fatalf("one-time password %q does not look like one", viewerOTP)
	}
	if people := b.text("#brand-users tbody"); !strings.Contains(people, viewerEmail) || !strings.Contains(people, "viewer") {
		t.Fatalf("the People table = %q, want %s as a viewer", people, viewerEmail)
	}

	b.load("log out", 200, chromedp.Click(css(`#logout`)))
	b.do("wait for the login form", chromedp.WaitVisible(css(loginForm)))
	if p := b.location(); p != "/login" {
		t.Fatalf("logout landed on %s, want /login", p)
	}

	// The viewer logs in, must change the one-time password, and then sees the first brand only.
	b.loginWithOneTimePassword(viewerEmail, viewerOTP)
	b.changePassword(viewerOTP, viewerChosen)
	b.screenshot("viewer-dashboard")
	if n := b.text("#count-brands"); n != "1" {
		t.Fatalf("the viewer's dashboard counts %s brands, want 1", n)
	}
	nav := b.text("header nav")
	for _, hidden := range []string{"Users", "Audit log"} {
		if strings.Contains(nav, hidden) {
			t.Errorf("the viewer's navigation shows %q: %q", hidden, nav)
		}
	}
	if n := b.count(`header nav a[href="/users"], header nav a[href="/audit"]`); n != 0 {
		t.Errorf("the viewer's navigation has %d links to /users or /audit", n)
	}
	if !strings.Contains(nav, "Brands") || !strings.Contains(nav, viewerEmail) {
		t.Errorf("the viewer's navigation = %q, want Brands and %s", nav, viewerEmail)
	}

	b.open("/brands", 200)
	brands := b.text("#brands")
	if !strings.Contains(brands, brandA) || strings.Contains(brands, brandB) {
		t.Fatalf("the viewer's brands table = %q, want %s and not %s", brands, brandA, brandB)
	}
	if n := b.count(`#brands tbody tr`); n != 1 {
		t.Fatalf("the viewer sees %d brands, want 1", n)
	}
	if n := b.count(`#new-brand`); n != 0 {
		t.Errorf("the viewer is offered to create a brand")
	}

	b.open("/brands/"+idA, 200)
	if got := b.text("#brand-name"); got != brandA {
		t.Fatalf("the viewer's page of %s is titled %q", brandA, got)
	}
	if n := b.count(`#connect-page, main a[href$="/edit"], main a[href$="/users"], details.danger-zone`); n != 0 {
		t.Errorf("the viewer sees %d edit, connect, people or delete controls on %s", n, brandA)
	}

	b.screenshot("viewer-brand")

	b.open("/brands/"+idB, 403)
	b.screenshot("viewer-forbidden")
	if body := b.text("main"); !strings.Contains(body, "403") || strings.Contains(body, brandB) {
		t.Fatalf("the page for %s = %q, want a 403 that does not name the brand", brandB, body)
	}
}
