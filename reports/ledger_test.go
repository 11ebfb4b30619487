package reports

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"relance/fx"
	"relance/internal/testdb"
	"relance/meta"
	"relance/meta/sandbox"
	"relance/tenancy"
)

const (
	testAccount = "act_2300000000042"
	testPage    = "104000000000042"
	testToken   = "EAABsandboxLedgerToken0123456789"
)

// instant is the Meta client's clock: waits pass at once.
type instant struct{}

func (instant) Now() time.Time                                   { return time.Now() }
func (instant) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// ledgerEnv is an agency with one brand and one EUR ad account, a sandbox running two ads in it, and a
// ledger whose clock is the sandbox's simulated time.
type ledgerEnv struct {
	sb     *sandbox.Sandbox
	client *meta.Client
	ledger *Ledger
	acct   tenancy.AdAccount
	ads    []string
}

func newLedgerEnv(t *testing.T, start time.Time) *ledgerEnv {
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
	name, cur, tz := "Brand", "EUR", "Europe/Paris"
	b, err := ts.CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := ts.AddAdAccount(ctx, b.ID, tenancy.AdAccountInput{AccountID: testAccount, Name: "Ads", AccessToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.New(sandbox.Options{AppSecret: "s", Start: start, Seed: "ledger"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	c, err := meta.New(meta.Options{BaseURL: srv.URL, Version: "v25.0", AppSecret: "s", SendRate: -1, Retries: 2, Clock: instant{}})
	if err != nil {
		t.Fatal(err)
	}
	sb.RegisterAccount(sandbox.Account{ID: testAccount, Currency: "EUR", Timezone: "Europe/Paris"})
	e := &ledgerEnv{sb: sb, client: c, acct: acct, ledger: NewLedger(db, tn.ID, sb.Now)}
	for _, n := range []string{"A", "B"} {
		_, _, ad := sb.SeedAd(sandbox.SeedSpec{AccountID: testAccount, PageID: testPage, Name: "Ad " + n, Ref: "r" + n, DailyBudget: 5000})
		e.ads = append(e.ads, ad)
	}
	return e
}

// insights reads the sandbox's figures for the account as Ads Manager would show them.
func (e *ledgerEnv) insights(t *testing.T, from, to string) map[key]meta.InsightsRow {
	t.Helper()
	rows, err := e.client.Insights(context.Background(), testToken, testAccount, meta.InsightsQuery{Level: meta.LevelAd,
		Since: from, Until: to, TimeIncrement: meta.IncrementDaily})
	if err != nil {
		t.Fatal(err)
	}
	out := map[key]meta.InsightsRow{}
	for _, r := range rows {
		out[key{r.AdID, r.DateStart}] = r
	}
	return out
}

// book is what the ledger holds for an ad and day: the row plus the adjustments booked for it.
func (e *ledgerEnv) book(t *testing.T, k key) (row, adj int64) {
	t.Helper()
	var rows []SpendDay
	e.ledger.db.R.Where("ad_id = ? AND day = ?", k.ad, k.day).Find(&rows)
	for _, r := range rows {
		row += r.Spend
	}
	var as []Adjustment
	e.ledger.db.R.Where("ad_id = ? AND day = ?", k.ad, k.day).Find(&as)
	for _, a := range as {
		adj += a.Spend
	}
	return row, adj
}

// TestLedgerMatchesInsightsAndClosedMonthsHold runs two ads for simulated days across a month end, and checks
// that the ledger equals the sandbox's Insights to the cent per ad and day; that a restated day of a closed
// month leaves the month as closed (its month figures read as they did at the close) and books the
// difference in the next open month, once, where the month's figures carry it; and that a
// restated day of an open month is simply replaced.
func TestLedgerMatchesInsightsAndClosedMonthsHold(t *testing.T) {
	ctx := tenancy.WithActor(context.Background(), tenancy.Actor{Label: "finance@test"})
	e := newLedgerEnv(t, time.Date(2026, 2, 24, 0, 0, 0, 0, time.UTC))
	if err := e.sb.Advance(ctx, 8*24*time.Hour); err != nil { // to Wednesday 4 March, UTC midnight
		t.Fatal(err)
	}
	from, to := DefaultRange(e.acct, e.sb.Now())
	if to != "2026-03-04" || from != "2026-02-05" {
		t.Fatalf("default range %s..%s", from, to)
	}
	res, err := e.ledger.Sync(ctx, e.client, testToken, e.acct, from, to)
	if err != nil || res.Rows == 0 || res.Changed != res.Rows || res.Adjustments != 0 {
		t.Fatalf("first sync: %+v %v", res, err)
	}
	want := e.insights(t, from, to)
	var total int64
	for k, r := range want {
		row, adj := e.book(t, k)
		if row != r.Spend.Minor || adj != 0 {
			t.Errorf("%v: ledger %d (+%d), Insights %d", k, row, adj, r.Spend.Minor)
		}
		total += r.Spend.Minor
	}
	if total == 0 || len(want) < 2*8 {
		t.Fatalf("the sandbox delivered %d rows spending %d", len(want), total)
	}
	// The same days again: nothing to write.
	if res, err := e.ledger.Sync(ctx, e.client, testToken, e.acct, from, to); err != nil || res.Changed != 0 || res.Adjustments != 0 {
		t.Errorf("idempotent sync: %+v %v", res, err)
	}

	// February has ended in the agency's zone: finance closes it. March has not: 409-worthy.
	if _, err := e.ledger.Close(ctx, "2026-03", "Europe/Paris"); !errors.Is(err, ErrMonthOpen) {
		t.Errorf("closing March: %v", err)
	}
	if st, err := e.ledger.Close(ctx, "2026-02", "Europe/Paris"); err != nil || !st.Closed {
		t.Fatalf("closing February: %+v %v", st, err)
	}
	if _, err := e.ledger.Close(ctx, "2026-02", "Europe/Paris"); !errors.Is(err, ErrMonthClosed) {
		t.Errorf("closing February twice: %v", err)
	}
	feb := key{e.ads[0], "2026-02-26"}
	mar := key{e.ads[1], "2026-03-02"}
	febBefore, _ := e.book(t, feb)
	month := func(m string) BrandSpend {
		t.Helper()
		none, _ := fx.NewTable(nil)
		ms, err := e.ledger.MonthSpend(ctx, m, "EUR", none, nil)
		if err != nil || len(ms.Brands) != 1 {
			t.Fatalf("%s: %+v %v", m, ms, err)
		}
		return ms.Brands[0]
	}
	febClosed := month("2026-02")

	// Meta refunds a tenth of one February day and of one March day.
	if err := e.sb.Restate(feb.ad, feb.day, -10); err != nil {
		t.Fatal(err)
	}
	if err := e.sb.Restate(mar.ad, mar.day, -10); err != nil {
		t.Fatal(err)
	}
	res, err = e.ledger.Sync(ctx, e.client, testToken, e.acct, from, to)
	if err != nil || res.Adjustments != 1 || res.Changed != 1 {
		t.Fatalf("sync after restatement: %+v %v", res, err)
	}
	now := e.insights(t, from, to)
	row, adj := e.book(t, feb)
	if row != febBefore || row+adj != now[feb].Spend.Minor || adj >= 0 {
		t.Errorf("closed day: row %d (was %d), adjustment %d, Meta now %d", row, febBefore, adj, now[feb].Spend.Minor)
	}
	var as []Adjustment
	e.ledger.db.R.Find(&as)
	if len(as) != 1 || as[0].Month != "2026-03" || as[0].Day != feb.day || as[0].Reason == "" {
		t.Errorf("adjustments: %+v", as)
	}
	row, adj = e.book(t, mar)
	if row != now[mar].Spend.Minor || adj != 0 {
		t.Errorf("open day: row %d, adjustment %d, Meta now %d", row, adj, now[mar].Spend.Minor)
	}
	// The closed month as a whole reads as it did when it was closed; March carries the difference.
	if got := month("2026-02"); !reflect.DeepEqual(got, febClosed) {
		t.Errorf("February changed after its close: %+v, was %+v", got, febClosed)
	}
	if m := month("2026-03"); m.Adjustments != as[0].Spend || m.Total != m.Spend+as[0].Spend {
		t.Errorf("March: %+v, want the adjustment %d in it", m, as[0].Spend)
	}
	// Again: the adjustment is not booked twice.
	if res, err := e.ledger.Sync(ctx, e.client, testToken, e.acct, from, to); err != nil || res.Adjustments != 0 || res.Changed != 0 {
		t.Errorf("sync again: %+v %v", res, err)
	}

	// Reopened, February takes Meta's figure less what March already booked: the books still add up once.
	if _, err := e.ledger.Reopen(ctx, "2026-02", "Europe/Paris"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ledger.Sync(ctx, e.client, testToken, e.acct, from, to); err != nil {
		t.Fatal(err)
	}
	row, adj = e.book(t, feb)
	if row+adj != now[feb].Spend.Minor || row != febBefore {
		t.Errorf("reopened day: row %d + adjustment %d, Meta %d", row, adj, now[feb].Spend.Minor)
	}
}

// TestMonthSpendConvertsEachDay totals a month per brand, in the account currency and in a reporting currency
// converted day by day, and reports a missing rate as missing rather than zero.
func TestMonthSpendConvertsEachDay(t *testing.T) {
	ctx := context.Background()
	e := newLedgerEnv(t, time.Date(2026, 2, 24, 0, 0, 0, 0, time.UTC))
	if err := e.sb.Advance(ctx, 8*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ledger.Sync(ctx, e.client, testToken, e.acct, "2026-02-20", "2026-03-04"); err != nil {
		t.Fatal(err)
	}
	var want int64
	perDay := map[string]int64{}
	for k, r := range e.insights(t, "2026-02-01", "2026-02-28") {
		want += r.Spend.Minor
		perDay[k.day] += r.Spend.Minor
	}
	// 1 EUR = 2 USD on every day but the 27th, where it is 3; the 28th has no rate of its own and uses the 27th's.
	var rates []fx.Rate
	for d := 20; d <= 26; d++ {
		rates = append(rates, fx.Rate{Day: fmt.Sprintf("2026-02-%02d", d), Base: "EUR", Quote: "USD", Rate: "2", Source: fx.SourceECB})
	}
	rates = append(rates, fx.Rate{Day: "2026-02-27", Base: "EUR", Quote: "USD", Rate: "3", Source: fx.SourceECB})
	table, err := fx.NewTable(rates)
	if err != nil {
		t.Fatal(err)
	}
	fees := map[string]FeeTerms{e.acct.BrandID: {PercentBP: 1250, Monthly: meta.Money{Minor: 10000, Currency: "EUR"}}}
	ms, err := e.ledger.MonthSpend(ctx, "2026-02", "USD", table, fees)
	if err != nil || len(ms.Brands) != 1 {
		t.Fatalf("month spend: %+v %v", ms, err)
	}
	b := ms.Brands[0]
	wantUSD := 2*want + perDay["2026-02-27"] + perDay["2026-02-28"]
	if b.Total != want || b.Currency != "EUR" || b.Reporting == nil || *b.Reporting != wantUSD || ms.Total == nil || *ms.Total != wantUSD {
		t.Errorf("February: %+v (reporting %v), want %d EUR = %d USD", b, b.Reporting, want, wantUSD)
	}
	if b.Fee != share(want, 1250) || b.FeeReporting == nil || *b.FeeReporting != share(wantUSD, 1250) {
		t.Errorf("percentage fee: %d / %v, want %d / %d", b.Fee, b.FeeReporting, share(want, 1250), share(wantUSD, 1250))
	}
	// The fixed fee converts at the month's last day: the 28th, which has the 27th's rate (3).
	if len(ms.Fixed) != 1 || ms.Fixed[0].Reporting == nil || *ms.Fixed[0].Reporting != 30000 ||
		ms.FeesTotal == nil || *ms.FeesTotal != 30000+share(wantUSD, 1250) {
		t.Errorf("fixed fees %+v, total %v", ms.Fixed, ms.FeesTotal)
	}
	empty, _ := fx.NewTable(nil)
	ms, err = e.ledger.MonthSpend(ctx, "2026-02", "JPY", empty, nil)
	if err != nil || ms.Total != nil || ms.Brands[0].Reporting != nil || len(ms.Brands[0].MissingDays) == 0 {
		t.Errorf("without rates: %+v %v", ms, err)
	}
}

func TestShareRoundsHalfAwayFromZero(t *testing.T) {
	for _, c := range []struct{ v, bp, want int64 }{{1000, 1250, 125}, {1, 5000, 1}, {-1, 5000, -1}, {3, 3333, 1},
		{14, 3500, 5}, {-14, 3500, -5}, {1 << 60, 10000, 1 << 60}, {0, 9999, 0}} {
		if got := share(c.v, c.bp); got != c.want {
			t.Errorf("share(%d, %d) = %d, want %d", c.v, c.bp, got, c.want)
		}
	}
}
