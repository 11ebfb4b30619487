package reports

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"relance/database"
	"relance/internal/testdb"
	"relance/tenancy"
)

// Benchmark sizes: an agency with 10,000,000 messages over a year and 1,000 campaigns (see seedReportBench).
const (
	benchBrands       = 20
	benchCampaigns    = 1000
	benchYearDays     = 365
	benchActiveDays   = 50 // a campaign's flight and the replies and conversions that trail it
	benchSpendDays    = 45 // an ads campaign's flight
	benchUnattributed = 100
)

// BenchmarkReport90Days times 90-day reports over an agency seeded as 10,000,000 messages' worth of activity
// and 1,000 campaigns (seedReportBench), grouped by campaign and by day, for the agency (every brand) and
// for one brand, and reports each one's p50 and p95. Run it with
// go test -run '^$' -bench Report90Days -benchtime 40x ./reports/
func BenchmarkReport90Days(b *testing.B) {
	db, tenant, brands, stats := seedReportBench(b)
	b.Logf("seeded: %s", stats)
	eng := NewEngine(db)
	to := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	from := to.AddDate(0, 0, -89)
	for _, who := range []string{"agency", "brand"} {
		for _, g := range []string{GroupCampaign, GroupDay} {
			b.Run(who+"/"+g, func(b *testing.B) {
				q := Query{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Group: g, Currency: "EUR", AllBrands: who == "agency"}
				if who == "brand" {
					q.Brands = brands[:1]
				}
				var took []time.Duration
				var rows int
				cpu0 := cpuTime()
				for i := 0; i < b.N; i++ {
					start := time.Now()
					rep, err := eng.Report(context.Background(), tenant, q)
					if err != nil {
						b.Fatal(err)
					}
					took = append(took, time.Since(start))
					rows = len(rep.Rows)
					if !rep.Totals.Spend.Valid || rep.Totals.Conversations == 0 {
						b.Fatalf("totals: %+v, missing %v", rep.Totals, rep.MissingRates)
					}
				}
				cpu := cpuTime() - cpu0
				sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
				pct := func(p float64) float64 {
					return float64(took[min(len(took)-1, int(p*float64(len(took))))].Microseconds()) / 1000
				}
				b.ReportMetric(pct(0.50), "p50_ms")
				b.ReportMetric(pct(0.95), "p95_ms")
				b.ReportMetric(float64(rows), "rows")
				b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu_ms/op")
			})
		}
	}
}

// seedReportBench seeds, straight into the tables reports read, what an agency of 20 brands (14 in EUR,
// 4 in USD, 2 in GBP) holds after a year with 10,000,000 messages and 1,000 campaigns:
//   - campaigns start evenly over the year, half click-to-Messenger (two ads, one per variant A and B), half
//     sponsored messages; each has attributed activity for 50 days (its flight and what trails it), every fifth
//     a labelled link as well;
//   - report_days: per active campaign day a row per variant (with its ad for the ads kinds) and one for the
//     link, conversations 10–24 each; per brand and day an unattributed row of 100: about 2,000,000
//     conversations, i.e. 5 messages each;
//   - spend_days: each ad for its 45-day flight, in its brand's currency;
//   - report_credits: a conversion on 4 campaign days in 5 (about 40,000: 2 % of conversations), 70 % leads and
//     30 % purchases, each with its lines under the 9 models × windows (2 lines under linear);
//   - daily EUR→USD and EUR→GBP rates for the year.
func seedReportBench(b *testing.B) (*database.DB, string, []string, string) {
	b.Helper()
	ctx := context.Background()
	db := testdb.Open(b)
	v, _ := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	st, err := tenancy.NewStore(ctx, db, v)
	if err != nil {
		b.Fatal(err)
	}
	tn, _ := st.CreateTenant(ctx, "Bench", "bench")
	ts := st.Tenant(tn.ID)
	var brands, curs []string
	for i := range benchBrands {
		name, cur, tz := fmt.Sprintf("Brand %02d", i), "EUR", "Europe/Paris"
		switch {
		case i >= 18:
			cur, tz = "GBP", "Europe/London"
		case i >= 14:
			cur, tz = "USD", "America/New_York"
		}
		bp := 1000
		in := tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz, Settings: &tenancy.SettingsInput{Fees: &tenancy.FeesInput{PercentBP: &bp}}}
		br, err := ts.CreateBrand(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		brands, curs = append(brands, br.ID), append(curs, cur)
	}
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	ins := func(table string, cols []string) *benchInserter {
		return &benchInserter{b: b, tx: tx, pg: db.Dialect != database.SQLite, table: table, cols: cols}
	}
	first := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	dayOf := func(d int) string { return first.AddDate(0, 0, d).Format(time.DateOnly) }
	rates := ins("fx_rates", []string{"tenant_id", "day", "base", "quote", "rate", "source", "created_at"})
	for d := range benchYearDays {
		rates.add("", dayOf(d), "EUR", "USD", fmt.Sprintf("1.%04d", 500+d), "ecb", int64(1))
		rates.add("", dayOf(d), "EUR", "GBP", fmt.Sprintf("0.%04d", 8500+d), "ecb", int64(1))
	}
	rates.flush()
	camps := ins("campaigns", []string{"id", "tenant_id", "brand_id", "name", "kind", "state", "page_id", "currency", "created_at", "updated_at"})
	ads := ins("campaign_meta_ads", []string{"campaign_id", "tenant_id", "variant", "version", "ad_id", "updated_at"})
	days := ins("report_days", []string{"tenant_id", "brand_id", "day", "campaign_id", "variant", "ad_id", "link", "conversations",
		"new_conversations", "replies"})
	spend := ins("spend_days", []string{"tenant_id", "brand_id", "ad_account_id", "ad_id", "day", "month", "ad_name", "currency", "spend",
		"impressions", "reach", "clicks", "conversations", "replies", "pulled_at"})
	credits := ins("report_credits", []string{"tenant_id", "conversion_id", "model", "window_days", "seq", "brand_id", "day", "type", "currency",
		"campaign_id", "variant", "ad_id", "link", "count_centi", "value"})
	var nDays, nConvs, nSpend, nCredits, nConversions int64
	for i := range benchCampaigns {
		bi := i % benchBrands
		brand, cur := brands[bi], curs[bi]
		id := fmt.Sprintf("camp-%04d", i)
		ctm := i%2 == 0
		kind := "sponsored_message"
		if ctm {
			kind = "click_to_messenger"
		}
		camps.add(id, tn.ID, brand, fmt.Sprintf("Campaign %04d", i), kind, "completed", "1040", cur, int64(1), int64(1))
		adOf := map[string]string{"A": "", "B": ""}
		if ctm {
			camps.flush() // the ads refer to it
			for _, va := range []string{"A", "B"} {
				adOf[va] = fmt.Sprintf("238%06d%s", i, va)
				ads.add(id, tn.ID, va, int64(1), adOf[va], int64(1))
			}
		}
		start := i * (benchYearDays - benchActiveDays) / benchCampaigns
		for d := start; d < start+benchActiveDays; d++ {
			day := dayOf(d)
			for vi, va := range []string{"A", "B"} {
				n := int64(10 + (i+d+vi)%15)
				replies := int64(0)
				if !ctm {
					replies = n * 3 / 10
				}
				days.add(tn.ID, brand, day, id, va, adOf[va], "", n, n*6/10, replies)
				nDays++
				nConvs += n
				if ctm && d < start+benchSpendDays {
					spend.add(tn.ID, brand, fmt.Sprintf("act_%02d", bi), adOf[va], day, day[:7], "Ad "+adOf[va], cur, int64(2000+(i*7+d)%3000),
						int64(1500+d), int64(0), int64(40+d%20), int64(0), int64(0), int64(1))
					nSpend++
				}
			}
			if i%5 == 0 {
				days.add(tn.ID, brand, day, id, "", "", "poster", int64(12), int64(7), int64(0))
				nDays++
				nConvs += 12
			}
			if (i+d)%5 == 0 {
				continue
			}
			nConversions++
			conv, typ, value := fmt.Sprintf("conv-%04d-%03d", i, d), "lead", int64(0)
			if (i+d)%10 < 3 {
				typ, value = "purchase", 4990
			}
			for _, m := range []string{"last_touch", "first_touch", "linear"} {
				for _, w := range []int{1, 7, 28} {
					switch m {
					case "linear":
						credits.add(tn.ID, conv, m, w, 0, brand, day, typ, cur, id, "A", adOf["A"], "", int64(50), value/2)
						credits.add(tn.ID, conv, m, w, 1, brand, day, typ, cur, id, "B", adOf["B"], "", int64(50), value-value/2)
						nCredits += 2
					case "first_touch":
						credits.add(tn.ID, conv, m, w, 0, brand, day, typ, cur, id, "B", adOf["B"], "", int64(100), value)
						nCredits++
					default:
						credits.add(tn.ID, conv, m, w, 0, brand, day, typ, cur, id, "A", adOf["A"], "", int64(100), value)
						nCredits++
					}
				}
			}
		}
	}
	for _, brand := range brands {
		for d := range benchYearDays {
			days.add(tn.ID, brand, dayOf(d), "", "", "", "", int64(benchUnattributed), int64(benchUnattributed/2), int64(0))
			nDays++
			nConvs += benchUnattributed
		}
	}
	for _, x := range []*benchInserter{camps, ads, days, spend, credits} {
		x.flush()
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil { // as relance's own optimiser keeps statistics
		b.Fatal(err)
	}
	stats := fmt.Sprintf("%d report_days rows (%d conversations), %d spend_days rows, %d conversions in %d report_credits lines, %d campaigns",
		nDays, nConvs, nSpend, nConversions, nCredits, benchCampaigns)
	return db, tn.ID, brands, stats
}

// benchInserter inserts rows in batches of multi-row INSERTs.
type benchInserter struct {
	b     *testing.B
	tx    *sql.Tx
	pg    bool
	table string
	cols  []string
	rows  int
	sb    strings.Builder
	args  []any
}

func (x *benchInserter) add(vals ...any) {
	if x.sb.Len() > 0 {
		x.sb.WriteString(",")
	}
	x.sb.WriteString("(" + strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",") + ")")
	x.args = append(x.args, vals...)
	x.rows++
	if x.rows == 400 {
		x.flush()
	}
}

func (x *benchInserter) flush() {
	if x.rows == 0 {
		return
	}
	q := "INSERT INTO " + x.table + " (" + strings.Join(x.cols, ", ") + ") VALUES " + x.sb.String()
	if x.pg {
		q = renumber(q)
	}
	if _, err := x.tx.Exec(q, x.args...); err != nil {
		x.b.Fatalf("%s: %v", x.table, err)
	}
	x.sb.Reset()
	x.args, x.rows = x.args[:0], 0
}
