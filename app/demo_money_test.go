package app

import (
	"context"
	"math"
	"testing"
	"time"

	"relance/campaigns"
	"relance/meta"
	"relance/reports"
	"relance/tenancy"
)

// TestDemoMoney seeds the demo agency and runs the demo's start against the sandbox: rates imported as the
// ECB's for every demo currency, fees on the brands, conversions from the API and a CSV, an A/B test with a
// significant winner and send_reply touches, and a ledger pulled through the spend sync that equals the
// sandbox's Insights per ad and day, with last month closed by the finance user and a restated day of it
// booked as an adjustment in this month. A second start with a new sandbox finds nothing to change.
func TestDemoMoney(t *testing.T) {
	ctx := tenancy.WithActor(context.Background(), tenancy.Actor{Label: "test"})
	r, cfg, tn := seededDemo(ctx, t, func(c *Config) { c.Meta.SandboxSeed = "demo-money-test" })
	count := func(q string, args ...any) (n int64) {
		t.Helper()
		if err := r.db.R.Raw(q, args...).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	from := time.Now().UTC().AddDate(0, 0, -demoRateDays).Format(time.DateOnly)
	for _, c := range []string{"USD", "IDR", "THB"} {
		if n := count("SELECT COUNT(*) FROM fx_rates WHERE tenant_id = '' AND source = 'ecb' AND base = 'EUR' AND quote = ? AND day >= ?", c, from); n < 80 {
			t.Errorf("%d ECB rates for %s over %d days", n, c, demoRateDays)
		}
	}
	brands, _, _ := r.store.Tenant(tn.ID).Brands(ctx, tenancy.Visible{All: true}, tenancy.Cursor{})
	for _, b := range brands {
		if f := b.Settings.Effective().Fees; f.PercentBP == 0 && f.Monthly.Amount == "0" {
			t.Errorf("%s has no fee", b.Name)
		}
	}
	if n := count("SELECT COUNT(*) FROM conversions WHERE tenant_id = ? AND type = 'lead'", tn.ID); n == 0 {
		t.Error("no leads")
	}
	for _, src := range []string{"api", "import"} {
		if n := count("SELECT COUNT(*) FROM conversions WHERE tenant_id = ? AND type = 'purchase' AND source = ? AND value > 0", tn.ID, src); n == 0 {
			t.Errorf("no purchases from the %s", src)
		}
	}

	// The A/B test: 400 or more delivered per variant, 10 % and 20 % answered, a holdout, a touch per reply.
	var ab string
	if err := r.db.R.Raw("SELECT id FROM campaigns WHERE tenant_id = ? AND name = ?", tn.ID, demoABName).Row().Scan(&ab); err != nil {
		t.Fatal(err)
	}
	delivered := map[string]float64{}
	replied := map[string]float64{}
	for _, v := range []string{"A", "B"} {
		delivered[v] = float64(count("SELECT COUNT(*) FROM campaign_sends WHERE campaign_id = ? AND variant = ? AND status IN ('delivered', 'read', 'replied')", ab, v))
		replied[v] = float64(count("SELECT COUNT(*) FROM campaign_sends WHERE campaign_id = ? AND variant = ? AND status = 'replied'", ab, v))
		if delivered[v] < demoABDelivered {
			t.Errorf("variant %s: %v delivered", v, delivered[v])
		}
	}
	if n := count("SELECT COUNT(*) FROM campaign_sends WHERE campaign_id = ? AND status = 'holdout'", ab); n < 40 {
		t.Errorf("%d held out", n)
	}
	pa, pb := replied["A"]/delivered["A"], replied["B"]/delivered["B"]
	pool := (replied["A"] + replied["B"]) / (delivered["A"] + delivered["B"])
	z := (pb - pa) / math.Sqrt(pool*(1-pool)*(1/delivered["A"]+1/delivered["B"]))
	if math.Abs(pa-0.10) > 0.01 || math.Abs(pb-0.20) > 0.01 || z < 3.3 { // two-sided p < 0.001
		t.Errorf("reply rates %.3f and %.3f, z %.2f", pa, pb, z)
	}
	if n := count("SELECT COUNT(*) FROM attr_touches WHERE tenant_id = ? AND campaign_id = ? AND type = 'send_reply'", tn.ID, ab); n != int64(replied["A"]+replied["B"]) {
		t.Errorf("%d send_reply touches, want one per reply (%v)", n, replied["A"]+replied["B"])
	}
	var st string
	_ = r.db.R.Raw("SELECT state FROM campaigns WHERE id = ?", ab).Row().Scan(&st)
	if st != campaigns.StateCompleted {
		t.Errorf("the A/B campaign is %s", st)
	}

	// The start: spend through the sync, last month closed, a restatement booked.
	sb, err := newSandbox(cfg, r.key, "", r, nil)
	if err != nil {
		t.Fatal(err)
	}
	graph, err := newMetaClient(cfg, r.key, sb, nil)
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := demoSpend(ctx, r, sb, graph); err != nil {
		t.Fatal(err)
	}
	t.Logf("the demo's spend (launch, history, two pulls, close) took %v", time.Since(began).Round(time.Millisecond))
	now := time.Now().UTC()
	prev := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0).Format("2006-01")
	var closedBy string
	_ = r.db.R.Raw("SELECT closed_by FROM finance_months WHERE tenant_id = ? AND month = ?", tn.ID, prev).Row().Scan(&closedBy)
	if closedBy != demoEmail(tenancy.RoleFinance) {
		t.Errorf("%s closed by %q", prev, closedBy)
	}
	if n := count("SELECT COUNT(*) FROM audit_log WHERE tenant_id = ? AND action = ? AND object_id = ? AND actor = ?",
		tn.ID, tenancy.ActionMonthClose, prev, demoEmail(tenancy.RoleFinance)); n != 1 {
		t.Errorf("%d audit entries of the close", n)
	}
	var adjs []reports.Adjustment
	r.db.R.Where("tenant_id = ?", tn.ID).Find(&adjs)
	if len(adjs) != 1 || adjs[0].Month != now.Format("2006-01") || adjs[0].Spend >= 0 || adjs[0].Day[:7] != prev {
		t.Errorf("adjustments: %+v", adjs)
	}
	accts, _ := reports.NewLedger(r.db, tn.ID, nil).Accounts(ctx, "")
	if len(accts) != len(demoBrands) {
		t.Fatalf("%d ad accounts", len(accts))
	}
	since, until := now.AddDate(0, 0, -demoSpendDays-1).Format(time.DateOnly), now.Format(time.DateOnly)
	ledger := func() map[string]int64 {
		var rows []reports.SpendDay
		r.db.R.Where("tenant_id = ?", tn.ID).Find(&rows)
		out := map[string]int64{}
		for _, d := range rows {
			out[d.AdID+" "+d.Day] = d.Spend
		}
		return out
	}
	first := ledger()
	for _, a := range accts {
		tok, err := r.store.Tenant(tn.ID).AdAccountToken(ctx, a.BrandID, a.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := graph.Insights(ctx, tok, a.AccountID, meta.InsightsQuery{Level: meta.LevelAd, Since: since, Until: until,
			TimeIncrement: meta.IncrementDaily, Limit: 500})
		if err != nil || len(rows) < 2*(demoSpendDays-1) {
			t.Fatalf("%s: %d Insights rows, %v", a.AccountID, len(rows), err)
		}
		for _, row := range rows {
			k := row.AdID + " " + row.DateStart
			want := row.Spend.Minor
			if adjs[0].AdID == row.AdID && adjs[0].Day == row.DateStart {
				want -= adjs[0].Spend // the closed row holds what Meta said before it restated
			}
			if first[k] != want || want <= 0 {
				t.Errorf("%s: ledger %d, Insights %d", k, first[k], row.Spend.Minor)
			}
		}
	}

	// A second start: a new sandbox, the same ads and figures; the scheduled pull changes nothing.
	sb2, err := newSandbox(cfg, r.key, "", r, nil)
	if err != nil {
		t.Fatal(err)
	}
	graph2, err := newMetaClient(cfg, r.key, sb2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := demoSpend(ctx, r, sb2, graph2); err != nil {
		t.Fatal(err)
	}
	res, err := reports.NewLedger(r.db, tn.ID, nil).SyncAll(ctx, graph2, r.store.Tenant(tn.ID).AdAccountToken, accts, reports.SyncRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range res {
		if x.Rows == 0 || x.Changed != 0 || x.Adjustments != 0 {
			t.Errorf("the pull after a restart: %+v", x)
		}
	}
	again := ledger()
	for k, v := range again {
		if first[k] != v {
			t.Errorf("%s: %d before the restart, %d after", k, first[k], v)
		}
	}
	if len(again) != len(first) {
		t.Errorf("%d ledger rows after the restart, %d before", len(again), len(first))
	}
}
