package e2e_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"relance/database"
	"relance/tenancy"
)

// dashSeed writes a brand's day of figures straight into the database (the ledger is filled by Meta's
// Insights, which no screen does): on d1 the campaign's ad spent €123.45 and an outside ad €10.00, three
// conversations started (two from the campaign's ad) and the first of those people bought for €50.00; on
// d2 an ad account in pounds spent £30.00 and there is no GBP rate. The campaign sent four messages: one
// stopped at sent, one delivered, one read, one replied. It returns the campaign's id.
func dashSeed(t *testing.T, dbURL, brandID, d1, d2 string) string {
	t.Helper()
	db, err := database.Open(dbURL, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if err := db.W.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var tenantID string
	if err := db.R.Raw("SELECT tenant_id FROM brands WHERE id = ?", brandID).Scan(&tenantID).Error; err != nil || tenantID == "" {
		t.Fatalf("the brand's agency: %q %v", tenantID, err)
	}
	campaign, now := tenancy.NewID(), time.Now().UnixMilli()
	exec(`INSERT INTO campaigns (id, tenant_id, brand_id, name, kind, state, page_id, currency, send_cron, created_at, updated_at)
		VALUES (?, ?, ?, 'Chart campaign', 'sponsored_message', 'running', '104000000000777', 'EUR', '0 11 * * MON', ?, ?)`, campaign, tenantID, brandID, now, now)
	exec(`INSERT INTO campaign_variants (campaign_id, tenant_id, key, position, weight, creative) VALUES (?, ?, 'A', 0, 100, '{"text":"Hello"}')`, campaign, tenantID)
	exec(`INSERT INTO campaign_meta_ads (campaign_id, tenant_id, variant, version, ad_id, updated_at) VALUES (?, ?, 'A', 1, 'ad-chart', 1)`, campaign, tenantID)
	spend := func(acct, ad, day, cur string, minor int64) {
		exec(`INSERT INTO spend_days (tenant_id, brand_id, ad_account_id, ad_id, day, month, currency, spend, impressions, reach, clicks,
			conversations, replies, pulled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 1)`, tenantID, brandID, acct, ad, day, day[:7], cur, minor)
	}
	spend("act_1", "ad-chart", d1, "EUR", 12345)
	spend("act_1", "ad-outside", d1, "EUR", 1000)
	spend("act_2", "ad-pounds", d2, "GBP", 3000)
	noon, _ := time.Parse(time.DateOnly, d1)
	at := noon.Add(12 * time.Hour).UnixMilli()
	for i, psid := range []string{"p1", "p2", "p3"} {
		exec(`INSERT INTO attr_conversations (tenant_id, brand_id, page_id, psid, started_at, kind) VALUES (?, ?, '104000000000777', ?, ?, 'new')`,
			tenantID, brandID, psid, at)
		if i < 2 {
			exec(`INSERT INTO attr_touches (id, tenant_id, brand_id, page_id, psid, conversation_at, type, touch_key, at, campaign_id, variant, ad_id)
				VALUES (?, ?, ?, '104000000000777', ?, ?, 'ad_referral', 'ad-chart', ?, ?, 'A', 'ad-chart')`, tenancy.NewID(), tenantID, brandID, psid, at, at, campaign)
		}
	}
	exec(`INSERT INTO conversions (id, tenant_id, brand_id, external_id, contact_id, page_id, psid, type, value, currency, occurred_at,
		source, created_at, capi_status) VALUES (?, ?, ?, 'sale-1', '', '104000000000777', 'p1', 'purchase', 5000, 'EUR', ?, 'api', 1, 'off')`,
		tenancy.NewID(), tenantID, brandID, at+3600_000)
	for i, st := range []string{"sent", "delivered", "read", "replied"} {
		exec(`INSERT INTO campaign_sends (id, tenant_id, brand_id, campaign_id, run_id, slot, contact_id, page_id, psid, variant, route, status, sent_at, updated_at)
			VALUES (?, ?, ?, ?, 'run-1', 60000, ?, '104000000000777', ?, 'A', 'free', ?, 60500, 60500)`,
			tenancy.NewID(), tenantID, brandID, campaign, "c"+strconv.Itoa(i), "s"+strconv.Itoa(i), st)
	}
	return campaign
}

// chartState is what the page's charts are: each figure's canvas size and whether charts.js drew it.
type chartState struct {
	ID     string `json:"id"`
	Drawn  bool   `json:"drawn"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// legendAt moves the mouse over the chart at day's point and returns its legend, label → value.
func (b *browser) legendAt(chart, day string) map[string]string {
	b.t.Helper()
	d, _ := time.Parse(time.DateOnly, day)
	js := `(function(){var f=document.getElementById(` + strconv.Quote(chart) + `);f.scrollIntoView({block:'center'});` +
		`var u=window.relanceCharts[f.id];var r=u.over.getBoundingClientRect();` +
		`return JSON.stringify({x:r.left+u.valToPos(` + strconv.FormatInt(d.Unix(), 10) + `,'x'),y:r.top+r.height/2});})()`
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("place the pointer on %s at %s: %v%s", chart, day, err, b.where())
	}
	var p struct{ X, Y float64 }
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		b.t.Fatal(err)
	}
	b.do("hover "+chart+" at "+day, chromedp.MouseEvent(chromedp.MouseMoved, p.X, p.Y))
	raw, err = chromedp.Run(b.ctx, chromedp.Evaluate[string](`(function(){var o={};document.querySelectorAll(`+
		strconv.Quote("#"+chart+" .u-legend .u-series")+`).forEach(function(s){var l=s.querySelector('.u-label'),v=s.querySelector('.u-value');`+
		`if(l&&v){o[l.textContent]=v.textContent.replace(/\s+/g,' ').trim();}});return JSON.stringify(o);})()`))
	if err != nil {
		b.t.Fatalf("read the legend of %s: %v", chart, err)
	}
	out := map[string]string{}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		b.t.Fatal(err)
	}
	return out
}

// chartsDrawn waits until want charts are drawn and checks each has a canvas of some size.
func (b *browser) chartsDrawn(want int) {
	b.t.Helper()
	b.waitFor("the charts draw", `document.querySelectorAll('figure[data-chart][data-drawn]').length === `+strconv.Itoa(want))
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`JSON.stringify(Array.from(document.querySelectorAll('figure[data-chart]')).map(function(f){`+
		`var c=f.querySelector('canvas');return {id:f.id,drawn:f.dataset.drawn==='true',width:c?c.width:0,height:c?c.height:0};}))`))
	if err != nil {
		b.t.Fatal(err)
	}
	var st []chartState
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		b.t.Fatal(err)
	}
	for _, s := range st {
		if !s.Drawn || s.Width < 200 || s.Height < 100 {
			b.t.Errorf("chart %s: drawn %v, canvas %d×%d%s", s.ID, s.Drawn, s.Width, s.Height, b.where())
		}
	}
}

// TestDashboardCharts: the agency dashboard and a campaign page draw their charts (a canvas of some size
// each) under the Content-Security-Policy, the legend at a day shows the seeded figures (and "missing rate"
// on a day whose spend has no exchange rate), the funnel counts the sends, and the browser reports no
// console error and no CSP violation.
func TestDashboardCharts(t *testing.T) {
	chrome := requireChromium(t)
	srv := startRelance(t)
	b := &browser{t: t, ctx: newBrowser(t, chrome, 3*time.Minute), base: srv.URL}
	var mu sync.Mutex
	var problems []string
	messages := chromedp.Console(b.ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			// The browser asks for /favicon.ico on its own, and relance has none: not the page's doing.
			if strings.HasSuffix(m.URL, "/favicon.ico") {
				continue
			}
			if m.Type == chromedp.ConsoleError || m.IsException() || m.Source == "security" {
				mu.Lock()
				problems = append(problems, m.String()+" ("+m.URL+")")
				mu.Unlock()
			}
		}
	}()
	b.loginWithOneTimePassword("admin@relance.local", srv.AdminPassword)
	b.changePassword(srv.AdminPassword, "admin-chose-this-password")
	brand := b.createBrand("Chart Brand", "EUR", "Europe/Paris")
	now := time.Now().UTC()
	d1, d2 := now.AddDate(0, 0, -2).Format(time.DateOnly), now.AddDate(0, 0, -1).Format(time.DateOnly)
	campaign := dashSeed(t, srv.DBURL, brand, d1, d2)

	b.open("/", 200)
	b.chartsDrawn(2)
	b.screenshot("dashboard-charts")
	legend := b.legendAt("agency-spend", d1)
	if legend["Spend"] != "€133.45" || legend["Conversations"] != "3" {
		t.Errorf("the dashboard's legend on %s: %v, want Spend €133.45 and 3 conversations", d1, legend)
	}
	if legend = b.legendAt("agency-spend", d2); legend["Spend"] != "missing rate" || legend["Conversations"] != "0" {
		t.Errorf("the dashboard's legend on %s (no GBP rate): %v, want a missing rate", d2, legend)
	}
	if legend = b.legendAt("agency-efficiency", d1); legend["Cost per conversation"] != "€44.48" || legend["ROAS"] != "0.37×" {
		t.Errorf("cost per conversation and ROAS on %s: %v, want €44.48 and 0.37×", d1, legend)
	}
	if got := b.text("#top-campaigns tbody tr"); !strings.Contains(got, "Chart campaign") || !strings.Contains(got, "€123.45") || !strings.Contains(got, "€50.00") {
		t.Errorf("top campaigns: %q", got)
	}
	b.load("the 7-day range", 200, chromedp.Click(css(`.dash-range a[data-days="7"]`)))
	b.chartsDrawn(2)
	if n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`window.relanceCharts['agency-spend'].data[0].length`)); err != nil || n != 7 {
		t.Errorf("the 7-day chart has %d days (%v)", n, err)
	}

	b.open("/brands/"+brand+"/campaigns/"+campaign, 200)
	b.chartsDrawn(2)
	b.screenshot("campaign-charts")
	for step, want := range map[string]string{"sent": "4", "delivered": "3", "read": "2", "replied": "1", "converted": "1"} {
		if got := b.text("#funnel-" + step); got != want {
			t.Errorf("funnel %s: %s, want %s", step, got, want)
		}
	}
	if legend = b.legendAt("campaign-spend", d1); legend["Spend"] != "€123.45" || legend["Conversations"] != "2" {
		t.Errorf("the campaign's legend on %s: %v, want Spend €123.45 and 2 conversations", d1, legend)
	}

	mu.Lock()
	seen := append([]string(nil), problems...)
	mu.Unlock()
	if len(seen) > 0 {
		t.Errorf("the browser reported %d problems:\n%s", len(seen), strings.Join(seen, "\n"))
	}
	// The watch above would have seen a violation: an inline script is refused and reported.
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(function(){var s=document.createElement('script');s.textContent='window.inlineRan=1';document.body.appendChild(s);return true;})()`)); err != nil {
		t.Fatal(err)
	}
	b.waitFor("the CSP report reaches the test", `true`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(problems)
		mu.Unlock()
		if n > len(seen) {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("an inline script under the CSP was not reported: the watch for violations sees nothing")
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
}
