package e2e_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"relance/app"
)

// withDemo makes startRelance seed the demo agency (`serve --demo`): three brands with conversations,
// audiences and campaigns, and one user per role.
func withDemo(o *app.ServeOptions) { o.Demo = true }

// screen is one page the layout test visits: a name for messages and screenshots, and its path (found
// by following links from the previous screens).
type screen struct{ name, path string }

// overflowJS measures the page: the document's width against the window's, and the elements that reach
// past the window's right edge (the deepest ones first), to name the culprit in a failure.
const overflowJS = `(() => {
  const w = window.innerWidth, doc = document.documentElement.scrollWidth;
  const out = [];
  if (doc > w) {
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > w + 1 && !el.querySelector(':scope *')) {
        let p = el, path = [];
        for (let i = 0; p && p !== document.body && i < 4; i++, p = p.parentElement) {
          path.unshift(p.tagName.toLowerCase() + (p.id ? '#' + p.id : '') + (p.classList.length ? '.' + [...p.classList].join('.') : ''));
        }
        out.push(path.join(' > ') + ' (right edge ' + Math.round(r.right) + ')');
        if (out.length >= 5) break;
      }
    }
  }
  return {inner: w, scroll: doc, culprits: out};
})()`

// contrastJS lists the visible buttons and link buttons whose text has less than WCAG AA's 4.5:1 contrast
// with what is behind it (the first ancestor with an opaque enough background; translucent ones are blended
// over white).
const contrastJS = `(() => {
  const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const blend = (c, over) => c.length < 4 ? c : [0, 1, 2].map(i => c[i] * c[3] + over[i] * (1 - c[3]));
  const bad = [];
  for (const el of document.querySelectorAll('a[role=button], button, summary, input[type=submit]')) {
    if (!el.checkVisibility() || el.disabled || el.getClientRects().length === 0 || !el.textContent.trim() && el.tagName !== 'INPUT') continue;
    let bg = null;
    for (let p = el; p; p = p.parentElement) {
      const c = rgb(getComputedStyle(p).backgroundColor);
      if (c.length === 3 || c[3] > 0.5) { bg = blend(c, [255, 255, 255]); break; }
    }
    bg = bg || [255, 255, 255];
    const fg = blend(rgb(getComputedStyle(el).color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) bad.push((el.id ? '#' + el.id : el.tagName.toLowerCase()) + ' "' + el.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2));
  }
  return bad;
})()`

// overflow is what overflowJS returns.
type overflow struct {
	Inner    int      `json:"inner"`
	Scroll   int      `json:"scroll"`
	Culprits []string `json:"culprits"`
}

// hrefOf returns the path of the first link matching sel on the current page, or fails naming the screen.
func (b *browser) hrefOf(screen, sel string) string {
	b.t.Helper()
	href, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector(`+jsQuote(sel)+`) || {getAttribute: () => ''}).getAttribute('href') || ''`))
	if err != nil || href == "" {
		b.t.Fatalf("%s: no link %s to follow%s", screen, sel, b.where())
	}
	return href
}

// jsQuote writes s as a JavaScript string literal.
func jsQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// TestLayoutAtPhoneAndDesktopWidths opens every main screen of the demo agency at 1280 and 390 CSS pixels,
// saves a full-page screenshot of each (to $RELANCE_E2E_SCREENSHOTS, else $TMPDIR/relance-e2e-layout; JPEG, as a
// 7,000-pixel PNG takes seconds to encode), and fails, naming the screen, the width and the elements that
// stick out, when the page scrolls sideways (document.documentElement.scrollWidth > window.innerWidth), or
// when a button's text has less than 4.5:1 contrast. It also checks that the navigation folds into its menu
// on the phone and that the menu opens, and that keyboard focus is outlined.
func TestLayoutAtPhoneAndDesktopWidths(t *testing.T) {
	chrome := requireChromium(t)
	srv := startRelance(t, withDemo)
	b := &browser{t: t, ctx: newBrowser(t, chrome, 6*time.Minute), base: srv.URL}
	// Without $RELANCE_E2E_SCREENSHOTS the screenshots go to one fixed temporary directory, replaced by each
	// run, so that the last run's can be looked at.
	dir := screenshotDir()
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "relance-e2e-layout")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	widths := []int64{1280, 390}
	check := func(s screen, width int64) {
		t.Helper()
		o, err := chromedp.Run(b.ctx, chromedp.Evaluate[overflow](overflowJS))
		if err != nil {
			t.Fatalf("%s at %d px: measure: %v", s.name, width, err)
		}
		shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(80))
		if err != nil {
			t.Fatalf("%s at %d px: screenshot: %v", s.name, width, err)
		}
		file := filepath.Join(dir, "layout-"+s.name+"-"+map[int64]string{1280: "1280", 390: "390"}[width]+".jpg")
		if err := os.WriteFile(file, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		if o.Inner != int(width) {
			t.Errorf("%s: the window is %d px wide, want %d", s.name, o.Inner, width)
		}
		low, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](contrastJS))
		if err != nil {
			t.Fatalf("%s at %d px: contrast: %v", s.name, width, err)
		}
		if len(low) > 0 {
			t.Errorf("%s at %d px: buttons below 4.5:1 contrast: %s", s.name, width, strings.Join(low, "; "))
		}
		if o.Scroll > o.Inner {
			t.Errorf("%s (%s) overflows at %d px: the page is %d px wide; sticking out: %s", s.name, s.path, width,
				o.Scroll, strings.Join(o.Culprits, "; "))
		}
	}
	visit := func(screens []screen) {
		t.Helper()
		for _, width := range widths {
			b.do("set the window to "+map[int64]string{1280: "1280", 390: "390"}[width]+" px", chromedp.EmulateViewport(width, 900))
			for _, s := range screens {
				b.open(s.path, 200)
				check(s, width)
			}
		}
	}

	// Logged out.
	visit([]screen{{"login", "/login"}})

	b.open("/login", 200)
	b.submit("log in as the demo agency admin", loginForm, `#count-brands`,
		fill(loginForm+` input[name="email"]`, "agency-admin@demo.relance.local"),
		fill(loginForm+` input[name="password"]`, "relance-demo"),
	)

	// Follow links from screen to screen, as a person would, to find each page's path.
	b.open("/brands", 200)
	brand := b.hrefOf("brands", `#brands tbody a[href^="/brands/"]`)
	b.open(brand+"/conversations", 200)
	thread := b.hrefOf("conversations", `main a[href^="`+brand+`/conversations/"]`)
	b.open(brand+"/audiences", 200)
	audience := b.hrefOf("audiences", `main table a[href^="`+brand+`/audiences/"]`)
	b.open(brand+"/campaigns", 200)
	campaign := b.hrefOf("campaigns", `main table a[href^="`+brand+`/campaigns/"]`)
	b.open("/users", 200)
	user := b.hrefOf("users", `main table a[href^="/users/"]`)

	visit([]screen{
		{"dashboard", "/"},
		{"brands", "/brands"},
		{"brand", brand},
		{"conversations", brand + "/conversations"},
		{"thread", thread},
		{"audiences", brand + "/audiences"},
		{"audience", audience},
		{"audience-form", brand + "/audiences/new"},
		{"audience-edit", audience + "/edit"},
		{"campaigns", "/campaigns"},
		{"brand-campaigns", brand + "/campaigns"},
		{"campaign", campaign},
		{"campaign-form", brand + "/campaigns/new"},
		{"approvals", "/approvals"},
		{"users", "/users"},
		{"user", user},
		{"user-form", "/users/new"},
		{"brand-people", brand + "/users"},
		{"tokens", "/tokens"},
		{"audit", "/audit"},
		{"meta-apps", "/settings/meta-apps"},
		{"password", "/account/password"},
	})

	// On the phone the navigation is one "Menu" button; it opens onto the links.
	b.open("/", 200)
	if n := b.count(`header nav a[href="/brands"]`); n != 1 {
		t.Fatalf("the page has %d links to /brands in its navigation, want 1", n)
	}
	visible := `(() => { const a = document.querySelector('header nav a[href="/brands"]'); return !!a && a.checkVisibility(); })()`
	if shown, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](visible)); err != nil || shown {
		t.Errorf("at 390 px the navigation's links show before the menu is opened (err %v)", err)
	}
	b.do("open the menu", chromedp.Click(css(`.nav-menu > summary`)))
	if shown, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](visible)); err != nil || !shown {
		t.Errorf("at 390 px the opened menu does not show the navigation's links (err %v)", err)
	}
	check(screen{"dashboard-menu-open", "/"}, 390)

	// Keyboard focus is visible: each of the first Tab stops on the brands screen (links, buttons, the menu)
	// gets a solid outline of at least 2 px.
	b.do("back to 1280 px", chromedp.EmulateViewport(1280, 900))
	b.open("/brands", 200)
	const focusJS = `(() => { const el = document.activeElement; if (!el || el === document.body) return 'nothing';
	  const s = getComputedStyle(el); return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' + s.outlineStyle + ' ' + s.outlineWidth; })()`
	for i := 0; i < 6; i++ {
		b.do("press Tab", chromedp.KeyEvent(kb.Tab))
		got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](focusJS))
		if err != nil {
			t.Fatalf("read the focused element: %v", err)
		}
		f := strings.Fields(got)
		var width float64
		if len(f) == 3 {
			width, _ = strconv.ParseFloat(strings.TrimSuffix(f[2], "px"), 64)
		}
		if len(f) != 3 || f[1] != "solid" || width < 2 {
			t.Errorf("Tab stop %d: %s, want a solid outline of at least 2 px", i+1, got)
		}
	}
	b.screenshot("layout-focus")

	// The number-format selector in the footer: choose French, apply, and the page comes back in French format.
	b.open("/campaigns", 200)
	budget := `#campaigns tbody tr td.budget`
	before := b.text(budget)
	b.do("choose French number format", choose(`#locale-select`, "fr"))
	b.load("apply it", 200, chromedp.Click(css(`#locale-apply`)))
	if p := b.location(); p != "/campaigns" {
		t.Errorf("the locale selector returned to %s, want /campaigns", p)
	}
	after := b.text(budget)
	if !strings.Contains(before, ".00") || !strings.Contains(after, ",00") || strings.Contains(after, ".00") {
		t.Errorf("a budget reads %q in English and %q in French, want .00 then ,00", before, after)
	}
	t.Logf("screenshots in %s", dir)
}
