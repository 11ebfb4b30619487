package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"relance/tenancy"
)

// dashSeed is what seedDash wrote: the days it used and the campaign's figures.
type dashSeed struct {
	d1, d2 string // two days before today and yesterday, UTC (the agency's zone)
}

// seedDash writes a day of figures for agency A (reporting currency EUR, zone UTC):
//   - spend on d1: A1's campaign ad €123.45, an outside ad of A1 €10.00, A2 $50.00 (1 EUR = 1.25 USD on
//     d1: €40.00); on d2 A2 spends £30.00, and no GBP rate exists: the day's spend is missing;
//   - conversations on d1: three of A1 (two touched by the campaign's ad), one of A2;
//   - conversions on d1: €50.00 by a person the campaign touched that day, €20.00 by one no touch reached;
//   - sends of the campaign: one sent (the fixture's), then delivered, read, two replied and a failed one.
func (f *fixture) seedDash() dashSeed {
	f.t.Helper()
	now := time.Now().UTC()
	s := dashSeed{d1: now.AddDate(0, 0, -2).Format(time.DateOnly), d2: now.AddDate(0, 0, -1).Format(time.DateOnly)}
	noon, _ := time.Parse(time.DateOnly, s.d1)
	at := noon.Add(12 * time.Hour).UnixMilli()
	db := f.store.DB().W
	exec := func(q string, args ...any) {
		f.t.Helper()
		if err := db.Exec(q, args...).Error; err != nil {
			f.t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO campaign_meta_ads (campaign_id, tenant_id, variant, version, ad_id, updated_at) VALUES (?, ?, 'A', 1, 'ad-campaign', 1)`,
		f.campaign.ID, f.a.ID)
	spend := func(brand, acct, ad, day, cur string, minor int64) {
		exec(`INSERT INTO spend_days (tenant_id, brand_id, ad_account_id, ad_id, day, month, currency, spend, impressions, reach, clicks,
			conversations, replies, pulled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 1)`, f.a.ID, brand, acct, ad, day, day[:7], cur, minor)
	}
	spend(f.a1.ID, f.acct.AccountID, "ad-campaign", s.d1, "EUR", 12345)
	spend(f.a1.ID, f.acct.AccountID, "ad-outside", s.d1, "EUR", 1000)
	spend(f.a2.ID, "act_2", "ad-a2", s.d1, "USD", 5000)
	spend(f.a2.ID, "act_3", "ad-a2-gbp", s.d2, "GBP", 3000)
	// The same ad in agency B, which no figure of A may include.
	exec(`INSERT INTO spend_days (tenant_id, brand_id, ad_account_id, ad_id, day, month, currency, spend, impressions, reach, clicks,
		conversations, replies, pulled_at) VALUES (?, ?, 'act_b', 'ad-campaign', ?, ?, 'EUR', 999999, 0, 0, 0, 0, 0, 1)`, f.b.ID, f.b1.ID, s.d1, s.d1[:7])
	exec(`INSERT INTO fx_rates (tenant_id, day, base, quote, rate, source, created_at) VALUES (?, ?, 'EUR', 'USD', '1.25', 'manual', 1)`, f.a.ID, s.d1)
	conv := func(brand, psid string) {
		exec(`INSERT INTO attr_conversations (tenant_id, brand_id, page_id, psid, started_at, kind) VALUES (?, ?, ?, ?, ?, 'new')`,
			f.a.ID, brand, f.page.PageID, psid, at)
	}
	conv(f.a1.ID, "p1")
	conv(f.a1.ID, "p2")
	conv(f.a1.ID, "p3")
	conv(f.a2.ID, "p4")
	for _, psid := range []string{"p1", "p2"} {
		exec(`INSERT INTO attr_touches (id, tenant_id, brand_id, page_id, psid, conversation_at, type, touch_key, at, campaign_id, variant, ad_id)
			VALUES (?, ?, ?, ?, ?, ?, 'ad_referral', 'ad-campaign', ?, ?, 'A', 'ad-campaign')`, tenancy.NewID(), f.a.ID, f.a1.ID, f.page.PageID, psid, at, at, f.campaign.ID)
	}
	conversion := func(ext, psid string, minor int64) {
		exec(`INSERT INTO conversions (id, tenant_id, brand_id, external_id, contact_id, page_id, psid, type, value, currency, occurred_at,
			source, created_at, capi_status) VALUES (?, ?, ?, ?, '', ?, ?, 'purchase', ?, 'EUR', ?, 'api', 1, 'off')`,
			tenancy.NewID(), f.a.ID, f.a1.ID, ext, f.page.PageID, psid, minor, at+3600_000)
	}
	conversion("sale-1", "p1", 5000)
	conversion("sale-2", "p3", 2000)
	for i, st := range []string{"delivered", "read", "replied", "replied", "failed"} {
		exec(`INSERT INTO campaign_sends (id, tenant_id, brand_id, campaign_id, run_id, slot, contact_id, page_id, psid, variant, route, status, sent_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 60000, ?, ?, ?, 'A', 'free', ?, 60500, 60500)`, tenancy.NewID(), f.a.ID, f.a1.ID, f.campaign.ID, f.run,
			"c"+string(rune('0'+i)), f.page.PageID, "s"+string(rune('0'+i)), st)
	}
	return s
}

// chartJSON is what a page gives charts.js for one chart.
type chartJSON struct {
	XKind    string  `json:"x_kind"`
	X        []int64 `json:"x"`
	Currency string  `json:"currency"`
	Series   []struct {
		Label  string     `json:"label"`
		Values []*float64 `json:"values"`
		Text   []string   `json:"text"`
	} `json:"series"`
}

// chartOf reads the data of the chart whose figure has id from a page.
func chartOf(t *testing.T, body, id string) chartJSON {
	t.Helper()
	re := regexp.MustCompile(`(?s)<figure class="chart" id="` + regexp.QuoteMeta(id) + `".*?<script type="application/json" class="chart-data">(.*?)</script>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no chart %s on the page: %s", id, trim(body))
	}
	var c chartJSON
	if err := json.Unmarshal([]byte(m[1]), &c); err != nil {
		t.Fatalf("chart %s: %v in %s", id, err, m[1])
	}
	return c
}

// point is series label's value and text on day.
func (c chartJSON) point(t *testing.T, label, day string) (*float64, string) {
	t.Helper()
	d, _ := time.Parse(time.DateOnly, day)
	if len(day) == 7 {
		d, _ = time.Parse("2006-01", day)
	}
	for _, s := range c.Series {
		if s.Label != label {
			continue
		}
		for i, x := range c.X {
			if x == d.Unix() {
				return s.Values[i], s.Text[i]
			}
		}
		t.Fatalf("no point on %s in %s", day, label)
	}
	t.Fatalf("no series %s", label)
	return nil, ""
}

// idText is the text of the element with id (tags dropped, entities decoded, spaces collapsed).
func idText(body, id string) string {
	re := regexp.MustCompile(`(?s)id="` + regexp.QuoteMeta(id) + `"[^>]*>(.*?)</(dd|td|span|p)>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	txt := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(m[1], "")
	return strings.Join(strings.Fields(html.UnescapeString(txt)), " ")
}

// TestAgencyDashboardFigures: the home screen's overview adds the agency's spend of a day across brands
// and currencies (A2's dollars at the day's rate), shows a day whose rate is missing as missing (no value,
// never zero), counts conversations and credited conversions, and lists the campaign with its figures;
// nothing of agency B counts.
func TestAgencyDashboardFigures(t *testing.T) {
	f := newFixture(t)
	s := f.seedDash()
	u := f.users[admin]
	status, body := f.do(caller{user: &u}, http.MethodGet, "/", "")
	if status != http.StatusOK {
		t.Fatalf("dashboard: %d %s", status, trim(body))
	}
	for _, want := range []string{`id="count-brands"`, `/static/vendor/uPlot.iife.min.js`, `/static/charts.js`, `<h2>Agency overview</h2>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard lacks %s", want)
		}
	}
	ch := chartOf(t, body, "agency-spend")
	if len(ch.X) != 30 || ch.Currency != "EUR" || ch.XKind != "day" {
		t.Errorf("chart: %d days in %s (%s), want 30 in EUR", len(ch.X), ch.Currency, ch.XKind)
	}
	if v, txt := ch.point(t, "Spend", s.d1); v == nil || *v != 173.45 || txt != "€173.45" {
		t.Errorf("spend on %s: %v %q, want 173.45 €173.45 (123.45 + 10.00 + $50.00 at 1.25)", s.d1, v, txt)
	}
	if v, txt := ch.point(t, "Spend", s.d2); v != nil || txt != "missing rate" {
		t.Errorf("spend on %s with no GBP rate: %v %q, want a gap", s.d2, v, txt)
	}
	if v, txt := ch.point(t, "Conversations", s.d1); v == nil || *v != 4 || txt != "4" {
		t.Errorf("conversations on %s: %v %q, want 4", s.d1, v, txt)
	}
	eff := chartOf(t, body, "agency-efficiency")
	if _, txt := eff.point(t, "Cost per conversation", s.d1); txt != "€43.36" {
		t.Errorf("cost per conversation: %q, want €43.36 (173.45 / 4)", txt)
	}
	if _, txt := eff.point(t, "ROAS", s.d1); txt != "0.29×" {
		t.Errorf("ROAS: %q, want 0.29× (50.00 / 173.45)", txt)
	}
	if got := idText(body, "total-spend"); got != "missing rate" {
		t.Errorf("total spend with a missing day: %q", got)
	}
	if got := idText(body, "total-conversations"); got != "4" {
		t.Errorf("total conversations: %q", got)
	}
	if got := idText(body, "total-conversions"); got != "1" {
		t.Errorf("total conversions: %q, want 1 (the unattributed sale does not count)", got)
	}
	row := regexp.MustCompile(`(?s)<table id="top-campaigns">.*?</table>`).FindString(body)
	for _, want := range []string{"A1 secret campaign", "Secret Brand A1", "€123.45", "€61.73", "€50.00", "0.41×"} {
		if !strings.Contains(row, want) {
			t.Errorf("top campaigns lack %q: %s", want, row)
		}
	}
	// A 7-day range has 7 days; another range is refused naming the field.
	status, body = f.do(caller{user: &u}, http.MethodGet, "/?days=7", "")
	if status != http.StatusOK || len(chartOf(t, body, "agency-spend").X) != 7 {
		t.Errorf("7 days: %d", status)
	}
	if status, body = f.do(caller{user: &u}, http.MethodGet, "/?days=12", ""); status != http.StatusUnprocessableEntity || !strings.Contains(body, "days") {
		t.Errorf("days=12: %d %s", status, trim(body))
	}
	// Once a rate is known for GBP (via EUR) the day converts: £30.00 at 0.85 GBP per EUR is €35.29.
	if err := f.store.DB().W.Exec(`INSERT INTO fx_rates (tenant_id, day, base, quote, rate, source, created_at) VALUES ('', ?, 'EUR', 'GBP', '0.85', 'ecb', 1)`, s.d2).Error; err != nil {
		t.Fatal(err)
	}
	_, body = f.do(caller{user: &u}, http.MethodGet, "/", "")
	if v, txt := chartOf(t, body, "agency-spend").point(t, "Spend", s.d2); v == nil || txt != "€35.29" {
		t.Errorf("spend on %s with a GBP rate: %v %q, want €35.29", s.d2, v, txt)
	}
	if got := idText(body, "total-spend"); got != "€208.74" {
		t.Errorf("total spend: %q, want €208.74", got)
	}
}

// TestDashboardRoles: a brand viewer's home screen and brand page show its brand's figures only; finance
// sees every brand's figures and no message text; another brand's page is refused to a brand role.
func TestDashboardRoles(t *testing.T) {
	f := newFixture(t)
	s := f.seedDash()
	v := f.users[bViewer]
	_, body := f.do(caller{user: &v}, http.MethodGet, "/", "")
	if !strings.Contains(body, "<h2>Secret Brand A1</h2>") || strings.Contains(body, "Agency overview") {
		t.Errorf("the brand viewer's home overview is not its brand's: %s", trim(body))
	}
	if _, txt := chartOf(t, body, "agency-spend").point(t, "Spend", s.d1); txt != "€133.45" {
		t.Errorf("the brand viewer's spend on %s: %q, want €133.45 (A1 only)", s.d1, txt)
	}
	if _, txt := chartOf(t, body, "agency-spend").point(t, "Spend", s.d2); txt != "€0.00" {
		t.Errorf("the brand viewer's spend on %s: %q, want €0.00 (A2's missing rate is not A1's)", s.d2, txt)
	}
	if strings.Contains(body, "Other Brand A2") {
		t.Error("the brand viewer's home names brand A2")
	}
	status, body := f.do(caller{user: &v}, http.MethodGet, "/brands/"+f.a1.ID, "")
	if status != http.StatusOK {
		t.Fatalf("brand page: %d", status)
	}
	ch := chartOf(t, body, "brand-spend")
	if _, txt := ch.point(t, "Conversations", s.d1); txt != "3" {
		t.Errorf("A1's conversations on %s: %q, want 3", s.d1, txt)
	}
	if got := idText(body, "total-revenue"); got != "€50.00" {
		t.Errorf("A1's revenue: %q", got)
	}
	if status, _ := f.do(caller{user: &v}, http.MethodGet, "/brands/"+f.a2.ID, ""); status != http.StatusNotFound && status != http.StatusForbidden {
		t.Errorf("the brand viewer opening A2: %d", status)
	}
	// A2's page in its own currency: $50.00 on d1 with no conversion.
	a := f.users[admin]
	_, body = f.do(caller{user: &a}, http.MethodGet, "/brands/"+f.a2.ID+"?currency=USD", "")
	if _, txt := chartOf(t, body, "brand-spend").point(t, "Spend", s.d1); txt != "$50.00" {
		t.Errorf("A2 in USD on %s: %q", s.d1, txt)
	}
	if status, body := f.do(caller{user: &a}, http.MethodGet, "/brands/"+f.a2.ID+"?currency=JPY", ""); status != http.StatusUnprocessableEntity || !strings.Contains(body, "currency") {
		t.Errorf("A2 in JPY: %d", status)
	}
	fin := f.users[finance]
	_, body = f.do(caller{user: &fin}, http.MethodGet, "/", "")
	if !strings.Contains(body, "Agency overview") || !strings.Contains(body, "A1 secret campaign") {
		t.Errorf("finance's home lacks the agency overview")
	}
	_, camp := f.do(caller{user: &fin}, http.MethodGet, "/brands/"+f.a1.ID+"/campaigns/"+f.campaign.ID, "")
	for _, page := range []string{body, camp} {
		if strings.Contains(page, "secret.person@example.com") || strings.Contains(page, "A1 secret campaign text") {
			t.Error("finance sees message text on a dashboard")
		}
	}
	if !strings.Contains(camp, `id="funnel-sent"`) {
		t.Error("finance does not see the campaign's funnel")
	}
}

// TestCampaignFunnelAndDays: the campaign page counts its sends by how far they went, the conversion
// credited to it, and its own spend per day (only its ad's, not the outside ad's), in the brand's currency.
func TestCampaignFunnelAndDays(t *testing.T) {
	f := newFixture(t)
	s := f.seedDash()
	u := f.users[manager]
	status, body := f.do(caller{user: &u}, http.MethodGet, "/brands/"+f.a1.ID+"/campaigns/"+f.campaign.ID, "")
	if status != http.StatusOK {
		t.Fatalf("campaign page: %d %s", status, trim(body))
	}
	for step, want := range map[string]string{"sent": "5", "delivered": "4", "read": "3", "replied": "2", "converted": "1"} {
		if got := idText(body, "funnel-"+step); got != want {
			t.Errorf("funnel %s: %q, want %s", step, got, want)
		}
	}
	ch := chartOf(t, body, "campaign-spend")
	if _, txt := ch.point(t, "Spend", s.d1); txt != "€123.45" {
		t.Errorf("the campaign's spend on %s: %q, want €123.45", s.d1, txt)
	}
	if _, txt := ch.point(t, "Conversations", s.d1); txt != "2" {
		t.Errorf("the campaign's conversations on %s: %q, want 2", s.d1, txt)
	}
	if _, txt := chartOf(t, body, "campaign-efficiency").point(t, "Cost per conversation", s.d1); txt != "€61.73" {
		t.Errorf("the campaign's cost per conversation: %q, want €61.73", txt)
	}
	if strings.Contains(body, `id="top-campaigns"`) {
		t.Error("the campaign page lists top campaigns")
	}
}

// TestFinanceChart: the finance screen charts each brand's month in the reporting currency, as its table
// totals it, with the month whose rate is missing as a gap.
func TestFinanceChart(t *testing.T) {
	f := newFixture(t)
	s := f.seedDash()
	u := f.users[finance]
	month := s.d1[:7]
	status, body := f.do(caller{user: &u}, http.MethodGet, "/finance?month="+month, "")
	if status != http.StatusOK {
		t.Fatalf("finance: %d %s", status, trim(body))
	}
	ch := chartOf(t, body, "finance-brands")
	if len(ch.X) != 12 || ch.XKind != "month" {
		t.Errorf("finance chart: %d months (%s)", len(ch.X), ch.XKind)
	}
	if _, txt := ch.point(t, "Secret Brand A1", month); txt != "€133.45" {
		t.Errorf("A1 in %s: %q", month, txt)
	}
	a2, txt := ch.point(t, "Other Brand A2", month)
	if s.d2[:7] == month {
		if a2 != nil || txt != "missing rate" {
			t.Errorf("A2 in %s (a GBP day without a rate): %v %q", month, a2, txt)
		}
	} else if txt != "€40.00" {
		t.Errorf("A2 in %s: %q", month, txt)
	}
	if strings.Contains(body, "Beta Brand") {
		t.Error("the finance chart names agency B's brand")
	}
}
