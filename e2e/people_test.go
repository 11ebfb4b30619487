package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"relance/meta/sandbox"
)

// TestPeopleAndThreads: the conversation list fills in people's names from the sandbox's User Profile API,
// "load more" appends the next page without moving the scroll, and a thread is a chat of bubbles with its
// events as markers, no raw JSON on screen, paged backwards.
func TestPeopleAndThreads(t *testing.T) {
	chrome := requireChromium(t)
	srv := startRelance(t)
	b := &browser{t: t, ctx: newBrowser(t, chrome, 3*time.Minute), base: srv.URL}
	const pageID, talker = "104000000000777", "7150000000000000"

	b.loginWithOneTimePassword("admin@relance.local", srv.AdminPassword)
	b.changePassword(srv.AdminPassword, "admin-chose-this-password")
	brand := b.createBrand("Café Lumière", "EUR", "Europe/Paris")
	pageForm := `form[action="/brands/` + brand + `/pages"]`
	b.open("/brands/"+brand+"/pages/new", 200)
	b.submit("connect a Page", pageForm, `#pages`,
		fill(pageForm+` input[name="name"]`, "Café Lumière FR"),
		fill(pageForm+` input[name="page_id"]`, pageID),
		fill(pageForm+` input[name="access_token"]`, sandbox.PageToken(e2eAppSecret, pageID)),
	)
	b.importHistory(brand, peopleHistory(pageID, talker, time.Now()))

	// The sandbox names people from its seed and their PSID alone: the same name as a local sandbox gives.
	local, err := sandbox.New(sandbox.Options{AppSecret: "any", Seed: "relance"})
	if err != nil {
		t.Fatal(err)
	}
	first, last := local.PersonName(talker)
	want := first + " " + last

	// Names arrive in the background: the list never waits for them, a later look shows them.
	list := "/brands/" + brand + "/conversations"
	deadline := time.Now().Add(30 * time.Second)
	for {
		b.open(list, 200)
		// The list may still be empty (contacts folded after the commit): look again rather than wait on an
		// element that is not on this page.
		if b.count(`#people`) > 0 && strings.Contains(b.text(`#people`), want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q never appeared in the list (%d lists on the page)", want, b.count(`#people`))
		}
		time.Sleep(300 * time.Millisecond)
	}
	if got := b.text(`#contact-total`); got != "55" {
		t.Errorf("total %q, want 55", got)
	}
	if n := b.count(`#people li.person-row`); n != 50 {
		t.Fatalf("%d people on the first page, want 50", n)
	}
	// Load more appends the next five below, where the reader scrolled to.
	b.do("scroll to load more", chromedp.ScrollIntoView(css(`#load-more-link`)))
	before, _ := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`window.scrollY`))
	b.do("load more", chromedp.Click(css(`#load-more-link`)))
	b.waitFor("55 people listed", `document.querySelectorAll('#people li.person-row').length === 55`)
	after, _ := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`window.scrollY`))
	if after < before || before == 0 {
		t.Errorf("the scroll moved from %v to %v", before, after)
	}
	if n := b.count(`#load-more-link`); n != 0 {
		t.Errorf("a load-more link after the last page")
	}
	b.screenshot("people-list")

	// The talker's thread: bubbles both ways, a marker for the ad referral, no raw JSON outside "details".
	b.open(list+"?name="+first, 200)
	b.load("open the thread", 200, chromedp.Click(css(`#people a.person-link`)))
	if got := b.text(`#thread-title`); got != want {
		t.Errorf("thread title %q, want %q", got, want)
	}
	if in, out := b.count(`ol.chat li.bubble-in p.bubble`), b.count(`ol.chat li.bubble-out p.bubble`); in != 25 || out != 25 {
		t.Errorf("%d bubbles in and %d out on the newest page, want 25 and 25", in, out)
	}
	visible, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(function(){var m=document.querySelector('main').cloneNode(true);`+
		`m.querySelectorAll('details').forEach(function(d){d.remove()});return m.innerText})()`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(visible, `{"`) || strings.Contains(visible, `":`) {
		t.Errorf("raw JSON on the thread screen:\n%s", visible)
	}
	b.screenshot("thread-newest")
	b.load("older messages", 200, chromedp.Click(css(`#older-messages`)))
	if in, out := b.count(`ol.chat li.bubble-in`), b.count(`ol.chat li.bubble-out`); in != 5 || out != 5 {
		t.Errorf("%d bubbles in and %d out on the oldest page, want 5 and 5", in, out)
	}
	if !strings.Contains(b.text(`ol.chat`), "Came from an ad") {
		t.Errorf("no referral marker on the oldest page: %s", b.text(`ol.chat`))
	}
	if n := b.count(`#older-messages`); n != 0 {
		t.Error("an older-messages link on the oldest page")
	}

	// On a 390-pixel phone nothing in the chat or the list (main; the header belongs to the layout) is wider
	// than the screen.
	b.do("phone width", chromedp.EmulateViewport(390, 844))
	for _, path := range []string{b.location(), list} {
		b.open(path, 200)
		wide, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('main *')).filter(function(e){`+
			`return e.getBoundingClientRect().right > window.innerWidth + 1}).slice(0, 5).map(function(e){`+
			`return e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right)}).join('; ')`))
		if err != nil || wide != "" {
			t.Errorf("%s: elements wider than 390 px: %s (%v)", path, wide, err)
		}
	}
	b.screenshot("people-390")
}

// peopleHistory is a JSON Lines history: one person (talker) who came from an ad and exchanged 60 messages
// with the Page, and 54 others who wrote once, earlier.
func peopleHistory(pageID, talker string, now time.Time) string {
	var lines []string
	at := func(m int) string { return now.Add(-time.Duration(m) * time.Minute).UTC().Format(time.RFC3339) }
	for i := 0; i < 60; i++ {
		ref, dir, sender := "", "in", ""
		if i == 0 {
			ref = `,"referral":{"source":"ADS","ad_id":"120203000000000001"}`
		}
		if i%2 == 1 {
			dir, sender = "out", `,"sender":"bot"`
		}
		lines = append(lines, fmt.Sprintf(`{"page_id":"%s","psid":"%s","mid":"m_talk_%02d","direction":"%s"%s,"text":"message %02d, write to me at lea%02d@example.com","sent_at":"%s"%s}`,
			pageID, talker, i, dir, sender, i, i, at(120-i), ref))
	}
	for i := 1; i <= 54; i++ {
		lines = append(lines, fmt.Sprintf(`{"page_id":"%s","psid":"71500000000001%02d","mid":"m_once_%02d","text":"hello %d","sent_at":"%s"}`,
			pageID, i, i, i, at(600+i)))
	}
	return strings.Join(lines, "\n") + "\n"
}
