package reports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"relance/database"
	"relance/fx"
	"relance/internal/testdb"
	"relance/tenancy"
)

// reportEnv is an agency with three brands: A (EUR, fees 10 %), B (USD), C (COP, no rate ever), their
// campaigns, ads, ledger rows and rollups seeded directly.
type reportEnv struct {
	db      *database.DB
	tenant  string
	a, b, c string
}

func newReportEnv(t *testing.T) *reportEnv {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t)
	v, _ := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	st, err := tenancy.NewStore(ctx, db, v)
	if err != nil {
		t.Fatal(err)
	}
	tn, _ := st.CreateTenant(ctx, "Agency", "agency")
	ts := st.Tenant(tn.ID)
	brand := func(name, cur, tz string, bp int) string {
		b, err := ts.CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
		if err != nil {
			t.Fatal(err)
		}
		if bp > 0 {
			s := b.Settings
			s.Fees = &tenancy.Fees{PercentBP: bp, Monthly: tenancy.FeeAmount{Amount: "0"}}
			val, _ := s.Value()
			if err := db.W.Exec("UPDATE brands SET settings = ? WHERE id = ?", val, b.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		return b.ID
	}
	e := &reportEnv{db: db, tenant: tn.ID, a: brand("Alpha", "EUR", "Europe/Paris", 1000), b: brand("Bravo", "USD", "America/New_York", 0),
		c: brand("Charlie", "COP", "America/Bogota", 0)}
	exec := func(q string, args ...any) {
		t.Helper()
		if err := db.W.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, c := range [][3]string{{"camp-1", e.a, "Spring"}, {"camp-2", e.b, "Autumn"}, {"camp-3", e.c, "Winter"}} {
		exec(`INSERT INTO campaigns (id, tenant_id, brand_id, name, kind, state, page_id, currency, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'click_to_messenger', 'running', '1040', 'EUR', 1, 1)`, c[0], e.tenant, c[1], c[2])
	}
	for _, a := range [][3]string{{"ad-1", "camp-1", "A"}, {"ad-1b", "camp-1", "B"}, {"ad-2", "camp-2", "A"}, {"ad-3", "camp-3", "A"}} {
		exec(`INSERT INTO campaign_meta_ads (campaign_id, tenant_id, variant, version, ad_id, updated_at) VALUES (?, ?, ?, 1, ?, 1)`, a[1], e.tenant, a[2], a[0])
	}
	spend := func(brand, account, ad, day, cur string, minor, imp, clicks int64) {
		exec(`INSERT INTO spend_days (tenant_id, brand_id, ad_account_id, ad_id, day, month, ad_name, currency, spend, impressions, reach, clicks,
			conversations, replies, pulled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 0, 0, 1)`, e.tenant, brand, account, ad, day, day[:7],
			"Ad "+ad, cur, minor, imp, clicks)
	}
	spend(e.a, "act_1", "ad-1", "2026-11-02", "EUR", 10000, 1000, 50) // 100.00 EUR
	spend(e.a, "act_1", "ad-1b", "2026-11-03", "EUR", 3333, 300, 10)  // 33.33 EUR
	spend(e.a, "act_1", "ad-9", "2026-11-03", "EUR", 1000, 100, 5)    // an outside ad
	spend(e.b, "act_2", "ad-2", "2026-11-02", "USD", 5000, 500, 20)   // 50 USD = 40.00 EUR
	spend(e.b, "act_2", "ad-2", "2026-11-03", "USD", 2000, 200, 8)    // 20 USD at the 2nd's rate = 16.00 EUR
	spend(e.c, "act_3", "ad-3", "2026-11-02", "COP", 5000000, 900, 9)
	spend(e.a, "act_1", "ad-1", "2026-10-31", "EUR", 99999, 1, 1) // outside the range
	day := func(brand, d, camp, variant, ad, link string, c, n, r int64) {
		exec(`INSERT INTO report_days (tenant_id, brand_id, day, campaign_id, variant, ad_id, link, conversations, new_conversations, replies)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.tenant, brand, d, camp, variant, ad, link, c, n, r)
	}
	day(e.a, "2026-11-02", "camp-1", "A", "ad-1", "", 4, 3, 0)
	day(e.a, "2026-11-03", "camp-1", "B", "", "", 2, 1, 2)
	day(e.a, "2026-11-03", "camp-1", "", "", "poster", 1, 1, 0)
	day(e.a, "2026-11-02", "", "", "", "", 1, 1, 0)
	day(e.b, "2026-11-03", "camp-2", "A", "ad-2", "", 2, 2, 0)
	day(e.c, "2026-11-02", "camp-3", "A", "ad-3", "", 1, 1, 0)
	credit := func(conv, model string, window, seq int, brand, d, typ, cur, camp, variant, ad, link string, n, v int64) {
		exec(`INSERT INTO report_credits (tenant_id, conversion_id, model, window_days, seq, brand_id, day, type, currency, campaign_id, variant,
			ad_id, link, count_centi, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.tenant, conv, model, window, seq, brand, d, typ,
			cur, camp, variant, ad, link, n, v)
	}
	for _, m := range []string{"last_touch", "first_touch", "linear"} {
		for _, w := range []int{1, 7, 28} {
			// o-1 (20.01 EUR): last touch the ad of variant A, first touch the poster link, linear both; in 1 day, no touch.
			switch {
			case w == 1:
				credit("o-1", m, w, 0, e.a, "2026-11-03", "purchase", "EUR", "", "", "", "", 100, 2001)
			case m == "last_touch":
				credit("o-1", m, w, 0, e.a, "2026-11-03", "purchase", "EUR", "camp-1", "A", "ad-1", "", 100, 2001)
			case m == "first_touch":
				credit("o-1", m, w, 0, e.a, "2026-11-03", "purchase", "EUR", "camp-1", "", "", "poster", 100, 2001)
			default:
				credit("o-1", m, w, 0, e.a, "2026-11-03", "purchase", "EUR", "camp-1", "", "", "poster", 50, 1001)
				credit("o-1", m, w, 1, e.a, "2026-11-03", "purchase", "EUR", "camp-1", "A", "ad-1", "", 50, 1000)
			}
			// o-2, o-3: a lead and a 10 USD purchase of Bravo's campaign; only within 28 days for o-3.
			credit("o-2", m, w, 0, e.b, "2026-11-03", "lead", "USD", "camp-2", "A", "ad-2", "", 100, 0)
			if w == 28 {
				credit("o-3", m, w, 0, e.b, "2026-11-03", "purchase", "USD", "camp-2", "A", "ad-2", "", 100, 1000)
			} else {
				credit("o-3", m, w, 0, e.b, "2026-11-03", "purchase", "USD", "", "", "", "", 100, 1000)
			}
		}
	}
	if _, err := fx.NewStore(db, func() time.Time { return time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC) }).AddManual(ctx, e.tenant,
		[]fx.RateInput{{Date: "2026-11-02", Base: "EUR", Quote: "USD", Rate: "1.25"}}); err != nil {
		t.Fatal(err)
	}
	return e
}

// amount is m as a test reads it.
func amount(m Money) string {
	b, _ := json.Marshal(m)
	if string(b) == "null" {
		return "null"
	}
	var v struct{ Amount, Currency string }
	_ = json.Unmarshal(b, &v)
	return v.Amount
}

// line is a row as the tests compare it.
func line(r Row) string {
	roas, _ := json.Marshal(r.ROAS)
	conv, _ := json.Marshal(r.Conversions)
	return fmt.Sprintf("%s|%s spend=%s fees=%s imp=%d clicks=%d conv=%d/%d/%d %s rev=%s cpc=%s cpl=%s roas=%s", r.Key, r.Name, amount(r.Spend),
		amount(r.Fees), r.Impressions, r.Clicks, r.Conversations, r.NewConversations, r.Replies, conv, amount(r.Revenue),
		amount(r.CostPerConversation), amount(r.CostPerLead), roas)
}

func TestReportEngine(t *testing.T) {
	e := newReportEnv(t)
	eng := NewEngine(e.db)
	ab := []string{e.a, e.b}
	cases := []struct {
		name string
		q    Query
		want []string
	}{
		{"by brand: spend converted per day, fees of each brand, last touch in 7 days", Query{Group: GroupBrand, Brands: ab}, []string{
			`` + e.a + `|Alpha spend=143.33 fees=14.33 imp=1400 clicks=65 conv=8/6/2 {"purchase":1} rev=20.01 cpc=17.92 cpl=null roas="0.14"`,
			`` + e.b + `|Bravo spend=56.00 fees=0.00 imp=700 clicks=28 conv=2/2/0 {"lead":1,"purchase":1} rev=8.00 cpc=28.00 cpl=56.00 roas="0.14"`,
		}},
		{"by campaign: the outside ad's spend and the untouched are unattributed", Query{Group: GroupCampaign, Brands: ab}, []string{
			`camp-2|Autumn spend=56.00 fees=0.00 imp=700 clicks=28 conv=2/2/0 {"lead":1} rev=0.00 cpc=28.00 cpl=56.00 roas="0.00"`,
			`camp-1|Spring spend=133.33 fees=13.33 imp=1300 clicks=60 conv=7/5/2 {"purchase":1} rev=20.01 cpc=19.05 cpl=null roas="0.15"`,
			`|(unattributed) spend=10.00 fees=1.00 imp=100 clicks=5 conv=1/1/0 {"purchase":1} rev=8.00 cpc=10.00 cpl=null roas="0.80"`,
		}},
		{"by variant, linear credit", Query{Group: GroupVariant, Brands: ab, Model: "linear"}, []string{
			`camp-2/A|Autumn · A spend=56.00 fees=0.00 imp=700 clicks=28 conv=2/2/0 {"lead":1} rev=0.00 cpc=28.00 cpl=56.00 roas="0.00"`,
			`camp-1/|Spring ·  spend=0.00 fees=0.00 imp=0 clicks=0 conv=1/1/0 {"purchase":0.50} rev=10.01 cpc=0.00 cpl=null roas=null`,
			`camp-1/A|Spring · A spend=100.00 fees=10.00 imp=1000 clicks=50 conv=4/3/0 {"purchase":0.50} rev=10.00 cpc=25.00 cpl=null roas="0.10"`,
			`camp-1/B|Spring · B spend=33.33 fees=3.33 imp=300 clicks=10 conv=2/1/2 {} rev=0.00 cpc=16.67 cpl=null roas="0.00"`,
			`|(unattributed) spend=10.00 fees=1.00 imp=100 clicks=5 conv=1/1/0 {"purchase":1} rev=8.00 cpc=10.00 cpl=null roas="0.80"`,
		}},
		{"by link, first touch", Query{Group: GroupLink, Brands: ab, Model: "first_touch"}, []string{
			`camp-1/poster|Spring · poster spend=0.00 fees=0.00 imp=0 clicks=0 conv=1/1/0 {"purchase":1} rev=20.01 cpc=0.00 cpl=null roas=null`,
			`|(unattributed) spend=199.33 fees=14.33 imp=2100 clicks=93 conv=9/7/2 {"lead":1,"purchase":1} rev=8.00 cpc=22.15 cpl=199.33 roas="0.04"`,
		}},
		{"by ad, 28 days", Query{Group: GroupAd, Brand: e.b, Brands: ab, Window: 28}, []string{
			`ad-2|Ad ad-2 spend=56.00 fees=0.00 imp=700 clicks=28 conv=2/2/0 {"lead":1,"purchase":1} rev=8.00 cpc=28.00 cpl=56.00 roas="0.14"`,
		}},
		{"by day, one campaign, 1 day", Query{Group: GroupDay, Campaign: "camp-1", Brands: ab, Window: 1}, []string{
			`2026-11-02|2026-11-02 spend=100.00 fees=10.00 imp=1000 clicks=50 conv=4/3/0 {} rev=0.00 cpc=25.00 cpl=null roas="0.00"`,
			`2026-11-03|2026-11-03 spend=33.33 fees=3.33 imp=300 clicks=10 conv=3/2/2 {} rev=0.00 cpc=11.11 cpl=null roas="0.00"`,
		}},
		{"by month, in dollars", Query{Group: GroupMonth, Brands: ab, Currency: "USD"}, []string{
			`2026-11|2026-11 spend=249.16 fees=17.92 imp=2100 clicks=93 conv=10/8/2 {"lead":1,"purchase":2} rev=35.01 cpc=24.92 cpl=249.16 roas="0.14"`,
		}},
		{"a missing rate is missing, never zero", Query{Group: GroupBrand, AllBrands: true}, []string{
			e.a + `|Alpha spend=143.33 fees=14.33 imp=1400 clicks=65 conv=8/6/2 {"purchase":1} rev=20.01 cpc=17.92 cpl=null roas="0.14"`,
			e.b + `|Bravo spend=56.00 fees=0.00 imp=700 clicks=28 conv=2/2/0 {"lead":1,"purchase":1} rev=8.00 cpc=28.00 cpl=56.00 roas="0.14"`,
			e.c + `|Charlie spend=null fees=null imp=900 clicks=9 conv=1/1/0 {} rev=0.00 cpc=null cpl=null roas=null`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := c.q
			q.From, q.To = "2026-11-01", "2026-11-30"
			if q.Currency == "" {
				q.Currency = "EUR"
			}
			rep, err := eng.Report(context.Background(), e.tenant, q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rep.Rows {
				got = append(got, line(r))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			checkTotals(t, rep)
		})
	}
}

// checkTotals checks that the totals are the rows' sums, figure by figure, and missing when a row's is.
func checkTotals(t *testing.T, rep Report) {
	t.Helper()
	sum := newTotals(rep.Currency)
	for _, r := range rep.Rows {
		sum.add(r)
	}
	if got, want := line(rep.Totals), line(sum.row()); got != want {
		t.Errorf("totals %s\nsum    %s", got, want)
	}
	missing := false
	for _, r := range rep.Rows {
		missing = missing || !r.Spend.Valid
	}
	if missing != (len(rep.MissingRates) > 0) || missing == rep.Totals.Spend.Valid {
		t.Errorf("missing rates %v, total spend valid %v", rep.MissingRates, rep.Totals.Spend.Valid)
	}
}

func TestReportMissingRatesAreListed(t *testing.T) {
	e := newReportEnv(t)
	rep, err := NewEngine(e.db).Report(context.Background(), e.tenant, Query{From: "2026-11-01", To: "2026-11-30", Group: GroupDay,
		AllBrands: true, Currency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rep.MissingRates) != "[{COP 2026-11-02}]" || rep.Totals.Spend.Valid || rep.Rows[0].Spend.Valid || !rep.Rows[1].Spend.Valid {
		t.Errorf("missing %v, totals %s, rows %s / %s", rep.MissingRates, line(rep.Totals), line(rep.Rows[0]), line(rep.Rows[1]))
	}
	b, _ := json.Marshal(rep)
	if !strings.Contains(string(b), `"totals":{"key":"","name":"Total","spend":null`) {
		t.Errorf("JSON: %s", b)
	}
}

func TestReportValidationNamesTheParameter(t *testing.T) {
	e := newReportEnv(t)
	eng := NewEngine(e.db)
	ok := Query{From: "2026-11-01", To: "2026-11-30", Currency: "EUR", Brands: []string{e.a}}
	cases := []struct {
		field string
		edit  func(*Query)
	}{
		{"from", func(q *Query) { q.From = "2026-11-1" }},
		{"to", func(q *Query) { q.To = "2026-10-01" }},
		{"to", func(q *Query) { q.To = "2029-01-01" }},
		{"group", func(q *Query) { q.Group = "week" }},
		{"model", func(q *Query) { q.Model = "data_driven" }},
		{"window", func(q *Query) { q.Window = 3 }},
		{"currency", func(q *Query) { q.Currency = "eur" }},
		{"currency", func(q *Query) { q.Currency = "XYZ" }},
		{"brand", func(q *Query) { q.Brand = e.b }}, // exists, but not the caller's
		{"brand", func(q *Query) { q.Brand = "no-such-brand" }},
		{"campaign", func(q *Query) { q.Campaign = "camp-2" }},
		{"campaign", func(q *Query) { q.Campaign = "nope" }},
	}
	for _, c := range cases {
		q := ok
		c.edit(&q)
		_, err := eng.Report(context.Background(), e.tenant, q)
		var ve *tenancy.ValidationError
		if !errors.As(err, &ve) || ve.Fields[c.field] == "" || len(ve.Fields) != 1 {
			t.Errorf("%+v: %v, want a 422 on %s", q, err, c.field)
		}
	}
	// A brand role's view holds its brand only, even unasked.
	rep, err := eng.Report(context.Background(), e.tenant, Query{From: "2026-11-01", To: "2026-11-30", Currency: "EUR", Group: GroupBrand, Brands: []string{e.b}})
	if err != nil || len(rep.Rows) != 1 || rep.Rows[0].Key != e.b {
		t.Errorf("scoped: %v %v", rep.Rows, err)
	}
	rep, err = eng.Report(context.Background(), e.tenant, Query{From: "2026-11-01", To: "2026-11-30", Currency: "EUR", Group: GroupBrand})
	if err != nil || len(rep.Rows) != 0 {
		t.Errorf("no scope sees nothing: %v %v", rep.Rows, err)
	}
}
