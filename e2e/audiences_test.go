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
	"github.com/chromedp/chromedp/kb"

	"relance/meta/sandbox"
)

// TestAudienceBuilder builds a rule with a nested group in the browser, watches the live preview follow each
// edit and an invalid value show its error inline, saves the audience, builds it and finds snapshot #1.
func TestAudienceBuilder(t *testing.T) {
	chrome := requireChromium(t)
	srv := startRelance(t)
	b := &browser{t: t, ctx: newBrowser(t, chrome, 3*time.Minute), base: srv.URL}
	const pageID = "104000000000888"

	b.loginWithOneTimePassword("admin@relance.local", srv.AdminPassword)
	b.changePassword(srv.AdminPassword, "admin-chose-this-password")
	brand := b.createBrand("Atelier Nord", "EUR", "Europe/Paris")
	pageForm := `form[action="/brands/` + brand + `/pages"]`
	b.open("/brands/"+brand+"/pages/new", 200)
	b.submit("connect a Page", pageForm, `#pages`,
		fill(pageForm+` input[name="name"]`, "Atelier Nord FR"),
		fill(pageForm+` input[name="page_id"]`, pageID),
		fill(pageForm+` input[name="access_token"]`, sandbox.PageToken(e2eAppSecret, pageID)),
	)
	b.importHistory(brand, audienceHistory(pageID, time.Now()))

	// From the brand page to an empty builder: the empty rule keeps all five contacts.
	b.open("/brands/"+brand, 200)
	b.load("open the audiences", 200, chromedp.Click(css(`#audiences`)))
	b.load("click New audience", 200, chromedp.Click(css(`#new-audience`)))
	b.waitPreview("the empty rule", 5)

	// all[ inbound_count ≥ … ]: the preview follows the number.
	b.do("add a condition", chromedp.Click(css(`button[data-action="add-condition"][data-for="rule"]`)))
	b.do("pick inbound messages", choose(`[data-path="rule.all[0].field"]`, "inbound_count"))
	b.waitPreview("inbound messages ≥ 1", 5)
	b.do("type 2 messages", retype(`[data-path="rule.all[0].value"]`, "2"))
	b.waitPreview("inbound messages ≥ 2", 3)

	// A cleared number is refused beside its input, and the preview says so instead of a count.
	b.do("clear the number", retype(`[data-path="rule.all[0].value"]`, ""))
	b.waitFor("the error beside the cleared number",
		`document.querySelector('.field-error[data-error-for="rule.all[0].value"]') !== null && document.getElementById('preview').dataset.state === 'invalid'`)
	if msg := b.text(`.field-error[data-error-for="rule.all[0].value"]`); !strings.Contains(msg, "whole number") {
		t.Errorf("the error beside the cleared number = %q", msg)
	}
	if got := b.attr(`[data-path="rule.all[0].value"]`, "aria-invalid"); got != "true" {
		t.Errorf("the cleared number has aria-invalid=%q, want true", got)
	}
	b.screenshot("audience-builder-error")
	b.do("type 1 message", retype(`[data-path="rule.all[0].value"]`, "1"))
	b.waitPreview("inbound messages ≥ 1 again", 5)
	if n := b.count(`#rule-builder .field-error`); n != 0 {
		t.Errorf("%d errors still shown after the number was fixed", n)
	}

	// A nested group: any[ source in ADS, NOT(talked to a human) ].
	b.do("add a group", chromedp.Click(css(`button[data-action="add-group"][data-for="rule"]`)))
	b.do("pick the source", choose(`[data-path="rule.all[1].any[0].field"]`, "source"))
	b.do("pick is one of", choose(`[data-path="rule.all[1].any[0].op"]`, "in"))
	b.do("type ADS", retype(`[data-path="rule.all[1].any[0].value"]`, "ADS"))
	b.waitPreview("source in ADS", 2)
	b.do("add a second condition to the group", chromedp.Click(css(`button[data-action="add-condition"][data-for="rule.all[1]"]`)))
	b.do("pick talked to a human", choose(`[data-path="rule.all[1].any[1].field"]`, "talked_to_human"))
	b.waitPreview("source in ADS or talked to a human", 4)
	b.do("negate it", chromedp.Click(css(`button[data-action="negate"][data-for="rule.all[1].any[1]"]`)))
	b.waitPreview("source in ADS or never talked to a human", 3)

	const want = `{"all":[{"field":"inbound_count","op":"gte","value":1},{"any":[{"field":"source","op":"in","value":["ADS"]},` +
		`{"not":{"field":"talked_to_human","op":"is","value":true}}]}]}`
	if got := b.value(`#rule-json`); got != want {
		t.Fatalf("the builder wrote\n  %s\nwant\n  %s", got, want)
	}
	if n := b.count(`#preview-members tbody tr a[href^="/brands/` + brand + `/conversations/"]`); n != 3 {
		t.Errorf("the preview lists %d members linking to their threads, want 3", n)
	}
	if n := b.count(`#breakdown tbody tr`); n != 6 {
		t.Errorf("the breakdown has %d classes, want 6", n)
	}
	if took := b.text(`#preview-took`); !strings.HasPrefix(took, "took ") || !strings.HasSuffix(took, " ms") {
		t.Errorf("the preview's timing = %q", took)
	}
	b.screenshot("audience-builder")

	// Save, build, and find snapshot #1 with the three contacts.
	b.do("name the audience", fill(`#audience-form input[name="name"]`, "Warm leads"))
	b.load("save the audience", 200, chromedp.Click(css(`#save-audience`)))
	b.do("wait for the audience page", chromedp.WaitVisible(css(`#audience-name`)))
	if got := b.text(`#rule-summary`); got != "inbound messages ≥ 1 AND (source in ADS OR NOT (talked to a human))" {
		t.Errorf("rule summary = %q", got)
	}
	b.load("build now", 200, chromedp.Click(css(`#build-now`)))
	b.do("wait for the snapshot", chromedp.WaitVisible(css(`#snapshots tr[data-seq="1"]`)))
	if f := b.text("main .flash"); !strings.HasPrefix(f, "Snapshot #1 built: 3 members") {
		t.Errorf("flash after Build now = %q", f)
	}
	if size := b.text(`#snapshots tr[data-seq="1"] td:nth-child(3)`); size != "3" {
		t.Errorf("snapshot #1 has size %s, want 3", size)
	}
	if n := b.count(`#members tbody tr a[href^="/brands/` + brand + `/conversations/"]`); n != 3 {
		t.Errorf("the audience page lists %d members, want 3", n)
	}
	b.screenshot("audience-page")
	b.load("back to the list", 200, chromedp.Click(css(`main hgroup a[href="/brands/`+brand+`/audiences"]`)))
	if name, size := b.text(`#audiences tbody tr td:nth-child(1)`), b.text(`#audiences tbody tr td:nth-child(3)`); name != "Warm leads" || size != "3" {
		t.Errorf("the audience list shows %q of size %s, want Warm leads of size 3", name, size)
	}
	b.screenshot("audience-list")
}

// audienceHistory is five contacts as a JSON Lines import: inbound counts 3, 1, 2, 1, 5; the first and the
// fourth came from an ad, the second from a short link; a person answered the second, fourth and fifth.
func audienceHistory(pageID string, now time.Time) string {
	var lines []string
	at := func(h int) string { return now.Add(-time.Duration(h) * time.Hour).UTC().Format(time.RFC3339) }
	add := func(psid string, in int, source, human string) {
		for i := 0; i < in; i++ {
			ref := ""
			if i == 0 && source != "" {
				ref = `,"referral":{"source":"` + source + `"}`
			}
			lines = append(lines, fmt.Sprintf(`{"page_id":"%s","psid":"%s","mid":"m_%s_%d","text":"message %d","sent_at":"%s"%s}`,
				pageID, psid, psid, i, i, at(48-i), ref))
		}
		if human != "" {
			lines = append(lines, fmt.Sprintf(`{"page_id":"%s","psid":"%s","mid":"m_%s_h","direction":"out","sender":"human","text":"%s","sent_at":"%s"}`,
				pageID, psid, psid, human, at(40)))
		}
	}
	add("7100000000000001", 3, "ADS", "")
	add("7100000000000002", 1, "SHORTLINK", "Hello, a person here")
	add("7100000000000003", 2, "", "")
	add("7100000000000004", 1, "ADS", "Happy to help")
	add("7100000000000005", 5, "", "Thanks for your order")
	return strings.Join(lines, "\n") + "\n"
}

// importHistory uploads a JSON Lines history through the Conversations screen and expects no refused line.
func (b *browser) importHistory(brand, jsonl string) {
	b.t.Helper()
	file := filepath.Join(b.t.TempDir(), "history.jsonl")
	if err := os.WriteFile(file, []byte(jsonl), 0o644); err != nil {
		b.t.Fatal(err)
	}
	form := `form[action="/brands/` + brand + `/conversations/import"]`
	b.open("/brands/"+brand+"/conversations", 200)
	b.do("open the import form", chromedp.Click(css(`main details > summary`)),
		chromedp.SetUploadFiles(css(form+` input[type="file"]`), []string{file}))
	b.load("import the history", 200, chromedp.Click(css(form+` button[type="submit"]`)))
	b.do("wait for the import result", chromedp.WaitVisible(css(`#imported`)))
	if n := b.count(`#import-errors tbody tr`); n != 0 {
		b.t.Fatalf("the import refused %d lines: %s", n, b.text(`#import-errors`))
	}
}

// waitPreview waits until the preview shows want contacts for the rule as edited.
func (b *browser) waitPreview(step string, want int) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf("preview of %s: %d contacts", step, want),
		`document.getElementById('preview').dataset.state === 'ok' && document.getElementById('preview-count').textContent === `+strconv.Quote(strconv.Itoa(want)))
}

// waitFor polls a JavaScript condition for up to 30 s, then fails with what the preview shows.
func (b *browser) waitFor(step, cond string) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		state, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(function(){var p=document.getElementById('preview');`+
			`return p ? p.dataset.state+' count='+document.getElementById('preview-count').textContent+' status='+`+
			`document.getElementById('preview-status').textContent+' rule='+document.getElementById('rule-json').value : 'no preview'})()`))
		b.t.Fatalf("%s: %v (preview: %s)%s", step, err, state, b.where())
	}
}

// value returns the value property of sel.
func (b *browser) value(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Value(css(sel)))
	if err != nil {
		b.t.Fatalf("read the value of %s: %v%s", sel, err, b.where())
	}
	return v
}

// attr returns an attribute of the element sel matches ("" when absent).
func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(sel)+`).getAttribute(`+strconv.Quote(name)+`) || ""`))
	if err != nil {
		b.t.Fatalf("read %s of %s: %v%s", name, sel, err, b.where())
	}
	return v
}

// choose picks an option of a select as a person would: the value changes and a change event follows.
// (Headless Chromium draws no native option list to click.)
func choose(sel, value string) chromedp.Action[chromedp.Void] {
	js := `(function(){var s=document.querySelector(` + strconv.Quote(sel) + `);` +
		`if(!Array.prototype.some.call(s.options,function(o){return o.value===` + strconv.Quote(value) + `})){return false}` +
		`s.focus();s.value=` + strconv.Quote(value) + `;s.dispatchEvent(new Event('change',{bubbles:true}));return true})()`
	return chromedp.Steps(
		chromedp.WaitVisible(css(sel)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			ok, err := chromedp.Evaluate[bool](js)(ctx, t)
			if err == nil && !ok {
				err = fmt.Errorf("%s has no option %q", sel, value)
			}
			return err
		}),
	)
}

// retype selects the text of an input and types value over it (an empty value deletes it with Backspace),
// so the page sees the same input events as from a keyboard.
func retype(sel, value string) chromedp.Action[chromedp.Void] {
	keys := value
	if keys == "" {
		keys = kb.Backspace
	}
	return chromedp.Steps(
		chromedp.WaitVisible(css(sel)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`(function(){var e=document.querySelector(`+strconv.Quote(sel)+`);e.focus();e.select();return true})()`)(ctx, t)
			return err
		}),
		chromedp.SendKeys(css(sel), keys),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			got, err := chromedp.Value(css(sel))(ctx, t)
			if err == nil && got != value {
				err = fmt.Errorf("%s holds %q after typing %q", sel, got, value)
			}
			return err
		}),
	)
}
