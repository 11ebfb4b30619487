package web_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"relance/tenancy"
)

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchSize reads a size from the environment, else def.
func benchSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkAgencyDashboard times the home screen's 90-day overview (GET /?days=90) over the dashboards'
// direct queries: RELANCE_BENCH_DASH_CAMPAIGNS campaigns (default 1,000) with one ad each spending every day
// of 90, RELANCE_BENCH_DASH_CONVERSATIONS conversations (default 100,000) over those days, a third of them
// touched by a campaign's ad, and a conversion for one in ten. It reports the median and p95 (the slowest)
// of 20 requests and the process's CPU time per request (the in-process server and SQLite included).
func BenchmarkAgencyDashboard(b *testing.B) {
	f := newFixture(b)
	nCamp := benchSize("RELANCE_BENCH_DASH_CAMPAIGNS", 1000)
	nConv := benchSize("RELANCE_BENCH_DASH_CONVERSATIONS", 100000)
	db := f.store.DB().W
	today := time.Now().UTC().Truncate(24 * time.Hour)
	rnd := rand.New(rand.NewPCG(1, 2))
	insert := func(head string, rows [][]any) {
		b.Helper()
		const per = 200
		for i := 0; i < len(rows); i += per {
			chunk := rows[i:min(i+per, len(rows))]
			var sb strings.Builder
			var args []any
			sb.WriteString(head)
			for j, r := range chunk {
				if j > 0 {
					sb.WriteString(",")
				}
				sb.WriteString("(" + strings.TrimSuffix(strings.Repeat("?,", len(r)), ",") + ")")
				args = append(args, r...)
			}
			if err := db.Exec(sb.String(), args...).Error; err != nil {
				b.Fatal(err)
			}
		}
	}
	now := time.Now().UnixMilli()
	ids := make([]string, nCamp)
	var camps, ads, spend [][]any
	for i := range ids {
		ids[i] = tenancy.NewID()
		camps = append(camps, []any{ids[i], f.a.ID, f.a1.ID, fmt.Sprintf("Bench campaign %d", i), "click_to_messenger", "running", f.page.PageID, "EUR", now, now})
		ads = append(ads, []any{ids[i], f.a.ID, "A", 1, fmt.Sprintf("ad-%d", i), now})
		for d := 0; d < 90; d++ {
			day := today.AddDate(0, 0, -d).Format(time.DateOnly)
			spend = append(spend, []any{f.a.ID, f.a1.ID, f.acct.AccountID, fmt.Sprintf("ad-%d", i), day, day[:7], "EUR", int64(100 + rnd.IntN(10000)), 0, 0, 0, 0, 0, 1})
		}
	}
	insert("INSERT INTO campaigns (id, tenant_id, brand_id, name, kind, state, page_id, currency, created_at, updated_at) VALUES ", camps)
	insert("INSERT INTO campaign_meta_ads (campaign_id, tenant_id, variant, version, ad_id, updated_at) VALUES ", ads)
	insert(`INSERT INTO spend_days (tenant_id, brand_id, ad_account_id, ad_id, day, month, currency, spend, impressions, reach, clicks,
		conversations, replies, pulled_at) VALUES `, spend)
	var convs, touches, sales [][]any
	for i := 0; i < nConv; i++ {
		at := today.Add(-time.Duration(rnd.Int64N(int64(89 * 24 * time.Hour)))).UnixMilli()
		psid := "b" + strconv.Itoa(i)
		convs = append(convs, []any{f.a.ID, f.a1.ID, f.page.PageID, psid, at, "new"})
		if i%3 == 0 {
			c := rnd.IntN(nCamp)
			touches = append(touches, []any{tenancy.NewID(), f.a.ID, f.a1.ID, f.page.PageID, psid, at, "ad_referral", fmt.Sprintf("ad-%d", c), at, ids[c], "A", fmt.Sprintf("ad-%d", c)})
		}
		if i%10 == 0 {
			sales = append(sales, []any{tenancy.NewID(), f.a.ID, f.a1.ID, "s" + strconv.Itoa(i), "", f.page.PageID, psid, "purchase", int64(1000 + rnd.IntN(9000)), "EUR", at + 60_000, "api", 1, "off"})
		}
	}
	insert("INSERT INTO attr_conversations (tenant_id, brand_id, page_id, psid, started_at, kind) VALUES ", convs)
	insert(`INSERT INTO attr_touches (id, tenant_id, brand_id, page_id, psid, conversation_at, type, touch_key, at, campaign_id, variant, ad_id) VALUES `, touches)
	insert(`INSERT INTO conversions (id, tenant_id, brand_id, external_id, contact_id, page_id, psid, type, value, currency, occurred_at,
		source, created_at, capi_status) VALUES `, sales)
	u := f.users[admin]
	b.ResetTimer()
	for range b.N {
		var times []time.Duration
		cpu0 := cpuTime()
		for range 20 {
			start := time.Now()
			status, body := f.do(caller{user: &u}, http.MethodGet, "/?days=90", "")
			times = append(times, time.Since(start))
			if status != http.StatusOK || !strings.Contains(body, `id="agency-spend"`) {
				b.Fatalf("dashboard: %d", status)
			}
		}
		// CPU time per request: on a machine shared with other work it says more than the wall time.
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/20, "cpu-ms/req")
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
	}
}
