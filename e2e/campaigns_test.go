package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"relance/meta/sandbox"
)

// TestCampaignApproval writes a sponsored-message campaign in the browser (the Messenger preview follows the
// text), submits it for approval, and has the brand's admin, logged in for the first time, find it in the
// approval inbox and approve it; the campaign page then shows it scheduled with the approval on its timeline.
func TestCampaignApproval(t *testing.T) {
	chrome := requireChromium(t)
	srv := startRelance(t)
	b := &browser{t: t, ctx: newBrowser(t, chrome, 3*time.Minute), base: srv.URL}
	const pageID = "104000000000777"

	b.loginWithOneTimePassword("admin@relance.local", srv.AdminPassword)
	b.changePassword(srv.AdminPassword, "admin-chose-this-password")
	brand := b.createBrand("Maison Sud", "EUR", "Europe/Paris")
	pageForm := `form[action="/brands/` + brand + `/pages"]`
	b.open("/brands/"+brand+"/pages/new", 200)
	b.submit("connect a Page", pageForm, `#pages`,
		fill(pageForm+` input[name="name"]`, "Maison Sud FR"),
		fill(pageForm+` input[name="page_id"]`, pageID),
		fill(pageForm+` input[name="access_token"]`, sandbox.PageToken(e2eAppSecret, pageID)),
	)
	b.importHistory(brand, audienceHistory(pageID, time.Now()))
	b.open("/brands/"+brand+"/audiences/new", 200)
	b.waitPreview("the empty rule", 5)
	b.do("name the audience", fill(`#audience-form input[name="name"]`, "Everyone who wrote"))
	b.load("save the audience", 200, chromedp.Click(css(`#save-audience`)))
	b.do("wait for the audience page", chromedp.WaitVisible(css(`#audience-name`)))
	b.load("build the audience", 200, chromedp.Click(css(`#build-now`)))
	b.do("wait for the snapshot", chromedp.WaitVisible(css(`#snapshots tr[data-seq="1"]`)))

	// The campaign, written as an agency admin would for a brand that requires approval (the default).
	b.open("/brands/"+brand+"/campaigns", 200)
	b.load("click New campaign", 200, chromedp.Click(css(`#new-campaign`)))
	const form = `#campaign-form`
	b.do("fill the campaign",
		fill(form+` input[name="name"]`, "Spring menu"),
		fill(form+` input[name="budget_amount"]`, "25.00"),
		fill(form+` input[name="send_cron"]`, "0 11 * * MON,THU"),
		chromedp.Click(css(form+` input[name="include"]`)),
		chromedp.SendKeys(css(form+` textarea[name="v_text"]`), "Our spring menu is here"),
		chromedp.SendKeys(css(form+` textarea[name="v_quick_replies"]`), "Book a table | BOOK"),
	)
	b.waitFor("the preview shows the text", `document.getElementById('pv-text').textContent === 'Our spring menu is here'`)
	if got := b.text(`#pv-qr`); got != "Book a table" {
		t.Errorf("the preview's quick replies = %q", got)
	}
	b.screenshot("campaign-form")
	b.load("save the draft", 200, chromedp.Click(css(`#save-campaign`)))
	b.do("wait for the campaign page", chromedp.WaitVisible(css(`#campaign-name`)))
	campaignPath := b.location()
	if got := b.text(`#campaign-state`); got != "draft" {
		t.Fatalf("a new campaign is %q, want draft", got)
	}
	b.load("submit for approval", 200, chromedp.Click(css(`#action-submit`)))
	b.do("wait for the state", chromedp.WaitVisible(css(`#campaign-state`)))
	if got := b.text(`#campaign-state`); got != "pending approval" {
		t.Fatalf("after submit the campaign is %q, want pending approval", got)
	}

	// The brand's admin.
	usersForm := `form[action="/brands/` + brand + `/users"]`
	b.open("/brands/"+brand+"/users", 200)
	b.do("choose brand admin", choose(usersForm+` select[name="role"]`, "brand_admin"))
	b.submit("create the brand admin", usersForm, `#one-time-password`, fill(usersForm+` input[name="email"]`, "boss@maison-sud.example"))
	otp := b.text(`#one-time-password`)
	b.load("log out", 200, chromedp.Click(css(`#logout`)))
	b.loginWithOneTimePassword("boss@maison-sud.example", otp)
	b.changePassword(otp, "the-brand-admin-password")

	b.load("open the approval inbox", 200, chromedp.Click(css(`#nav-approvals`)))
	if n := b.count(`#campaigns tbody tr`); n != 1 {
		t.Fatalf("the approval inbox lists %d campaigns, want 1%s", n, b.where())
	}
	b.screenshot("approval-inbox")
	b.load("open the campaign", 200, chromedp.Click(css(`#campaigns tbody tr a[href="`+campaignPath+`"]`)))
	if got := b.text(`.variant .bubble`); got != "Our spring menu is here" {
		t.Errorf("the brand admin sees the variant as %q", got)
	}
	b.load("approve", 200, chromedp.Click(css(`#action-approve`)))
	b.do("wait for the state", chromedp.WaitVisible(css(`#campaign-state`)))
	if got := b.text(`#campaign-state`); got != "scheduled" {
		t.Fatalf("after approval the campaign is %q, want scheduled", got)
	}
	tl := b.text(`#timeline`)
	for _, want := range []string{"create", "submit", "approve", "boss@maison-sud.example", "pending approval → scheduled"} {
		if !strings.Contains(tl, want) {
			t.Errorf("the timeline lacks %q: %s", want, tl)
		}
	}
	// What the next slot would do: the five people who wrote two days ago, routed now.
	b.do("preview the next slot", chromedp.Click(css(`#preview-slot`)))
	b.waitFor("the slot preview", `document.getElementById('slot-count') !== null`)
	if got := b.text(`#slot-count`); got != "5" {
		t.Errorf("the slot preview counts %s recipients, want 5", got)
	}
	b.screenshot("campaign-slot-preview")
	if n := b.count(`#action-approve, #action-launch`); n != 0 {
		t.Errorf("the brand admin is offered %d approve/launch buttons on a scheduled campaign", n)
	}
	b.screenshot("campaign-approved")

	// Entry points: the campaign's own m.me link (no ref was set: the campaign's id is its ref), its QR code
	// shown from the server, and a copy button that works under the CSP without inline script. Headless
	// Chromium grants no clipboard, so the test stands in for it and records what the page copies.
	b.waitFor("the QR code loads", `(function(){var i=document.querySelector('#links img');return i!==null&&i.complete&&i.naturalWidth>100})()`)
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.copied='';Object.defineProperty(navigator,'clipboard',`+
		`{value:{writeText:function(t){window.copied=t;return Promise.resolve()}},configurable:true});true`)); err != nil {
		t.Fatalf("stand in for the clipboard: %v", err)
	}
	b.do("copy the link", chromedp.Click(css(`#links [data-copy]`)))
	b.waitFor("the link is copied", `window.copied.indexOf('https://m.me/`+pageID+`?ref=')===0`)
	if got := b.text(`#links [data-copy]`); got != "Copied" {
		t.Errorf("the copy button says %q after copying", got)
	}
	b.screenshot("campaign-links")

	// The agency admin launches the approved campaign and runs the current minute's slot by hand: the run and
	// one send row per person show on the campaign page, each opening the person's thread; the brand's list
	// counts the sends, and the calendar shows the campaign's coming slots.
	b.load("log out", 200, chromedp.Click(css(`#logout`)))
	b.open("/login", 200)
	b.submit("log in as the agency admin", loginForm, `#count-brands`,
		fill(loginForm+` input[name="email"]`, "admin@relance.local"),
		fill(loginForm+` input[name="password"]`, "admin-chose-this-password"))
	b.open(campaignPath, 200)
	b.load("launch", 200, chromedp.Click(css(`#action-launch`)))
	b.do("wait for the state", chromedp.WaitVisible(css(`#campaign-state`)))
	if got := b.text(`#campaign-state`); got != "running" {
		t.Fatalf("after launch the campaign is %q, want running%s", got, b.where())
	}
	b.do("accept confirmations", acceptConfirms())
	b.load("run now", 200, chromedp.Click(css(`#run-now`)))
	b.do("wait for the run", chromedp.WaitVisible(css(`#runs table.runs tbody tr`)))
	if n := b.count(`#runs table.runs tbody tr`); n != 1 {
		t.Errorf("the campaign page lists %d runs after Run now, want 1", n)
	}
	if n := b.count(`#runs table.sends tbody tr[data-status]`); n != 5 {
		t.Errorf("the run lists %d sends, want one for each of the 5 people%s", n, b.where())
	}
	if n := b.count(`#runs table.sends a.thread-link`); n != 5 {
		t.Errorf("%d sends link to their thread, want 5", n)
	}
	b.screenshot("campaign-run")
	b.open("/brands/"+brand+"/campaigns", 200)
	if got := b.attr(`#campaigns td.sends`, "data-messaged"); got == "" {
		t.Errorf("the brand's list shows no send counts%s", b.where())
	}
	campaignID := campaignPath[strings.LastIndex(campaignPath, "/")+1:]
	b.load("open the calendar", 200, chromedp.Click(css(`#calendar-link`)))
	if n := b.count(`table.calendar tr[data-campaign="` + campaignID + `"]`); n < 1 {
		t.Errorf("the calendar lists %d slots of the running campaign, want its coming ones%s", n, b.where())
	}
	b.screenshot("campaign-calendar")
}
