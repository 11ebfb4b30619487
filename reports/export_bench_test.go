package reports

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"relance/internal/testdb"
	"relance/tenancy"
)

// EnvBenchRows sets how many ledger rows BenchmarkSpendExport seeds (default 20,000; the goal is about
// 1,000,000).
const EnvBenchRows = "RELANCE_BENCH_EXPORT_ROWS"

// BenchmarkSpendExport seeds a ledger (ads × days over 10 brands and 20 ad accounts in EUR, USD and GBP, daily
// EUR/USD and EUR/GBP rates) and exports it whole to CSV and to XLSX, converted to EUR, into a byte counter.
// Besides the time it reports the rows per second, the peak heap in use while it ran (sampled every 5 ms) and
// the growth of the process's peak RSS (VmHWM, reset through /proc/self/clear_refs before each run).
func BenchmarkSpendExport(b *testing.B) {
	rows := 20_000
	if v := os.Getenv(EnvBenchRows); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("%s=%q", EnvBenchRows, v)
		}
		rows = n
	}
	l, from, to := seedBenchLedger(b, rows)
	q := SpendExport{From: from, To: to, Reporting: "EUR"}
	// csv_sql reads the ledger through database/sql, as PostgreSQL does (on SQLite, the path before the
	// statement API one): the two measured back to back on the same books.
	for _, c := range []struct {
		name, format string
		viaSQL       bool
	}{{"csv", FormatCSV, false}, {"csv_sql", FormatCSV, true}, {"xlsx", FormatXLSX, false}} {
		format := c.format
		b.Run(c.name, func(b *testing.B) {
			l.viaSQL = c.viaSQL
			defer func() { l.viaSQL = false }()
			for b.Loop() {
				var out counter
				rssBefore, resetOK := resetPeakRSS()
				heap := sampleHeap()
				cpu0 := cpuTime()
				start := time.Now()
				var w RowWriter
				var err error
				if format == FormatCSV {
					w, err = NewCSV(&out, SpendColumns, CSVOptions{BOM: true})
				} else {
					w, err = NewXLSX(&out, SpendColumns)
				}
				if err != nil {
					b.Fatal(err)
				}
				n, err := l.ExportSpend(context.Background(), q, w)
				if err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				el, cpu := time.Since(start), cpuTime()-cpu0
				peakHeap := heap()
				if n != rows {
					b.Fatalf("%d rows exported, %d seeded", n, rows)
				}
				b.ReportMetric(float64(n)/el.Seconds(), "rows/s")
				b.ReportMetric(float64(out.n)/(1<<20), "MB_out")
				b.ReportMetric(cpu.Seconds(), "cpu_s")
				b.ReportMetric(float64(peakHeap)/(1<<20), "MB_peak_heap")
				if resetOK {
					b.ReportMetric(float64(vmKB("VmHWM")-rssBefore)/1024, "MB_rss_growth")
				}
			}
		})
	}
}

// cpuTime is the process's user and system CPU time: on a loaded machine it says more than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// counter counts the bytes written to it.
type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*counter)(nil)

// sampleHeap samples HeapInuse every 5 ms until the returned function is called, which gives the peak.
func sampleHeap() func() uint64 {
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	read := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if m.HeapInuse > peak.Load() {
			peak.Store(m.HeapInuse)
		}
	}
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() uint64 {
		close(stop)
		wg.Wait()
		read()
		return peak.Load()
	}
}

// resetPeakRSS collects garbage, resets the kernel's peak RSS to the current RSS and returns that RSS in KB;
// false when the kernel does not allow it (not Linux).
func resetPeakRSS() (int64, bool) {
	runtime.GC()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return 0, false
	}
	return vmKB("VmRSS"), true
}

// vmKB reads a field of /proc/self/status in KB.
func vmKB(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// seedBenchLedger writes rows ledger rows: 1,000 ads over as many days as needed, in 10 brands and 20 ad
// accounts (EUR, USD, GBP), with a rate a day for USD and GBP.
func seedBenchLedger(b *testing.B, rows int) (*Ledger, string, string) {
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
	var brands []string
	for i := range 10 {
		name, cur, tz := fmt.Sprintf("Brand %02d", i), "EUR", "Europe/Paris"
		br, err := ts.CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
		if err != nil {
			b.Fatal(err)
		}
		brands = append(brands, br.ID)
	}
	ads := min(rows, 1000)
	days := (rows + ads - 1) / ads
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	curs := []string{"EUR", "USD", "GBP"}
	sqlDB := db.SQL()
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	const batch = 500
	var sb strings.Builder
	var args []any
	flush := func() {
		if len(args) == 0 {
			return
		}
		q := "INSERT INTO spend_days (tenant_id, brand_id, ad_account_id, ad_id, day, month, meta_campaign_id, adset_id, ad_name, currency, spend, impressions, reach, clicks, conversations, replies, pulled_at) VALUES " + sb.String()
		if db.Dialect != "sqlite" {
			q = renumber(q)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
		sb.Reset()
		args = args[:0]
	}
	n := 0
	for d := 0; d < days && n < rows; d++ {
		day := start.AddDate(0, 0, d).Format(time.DateOnly)
		for a := 0; a < ads && n < rows; a++ {
			acct := a % 20
			if sb.Len() > 0 {
				sb.WriteString(",")
			}
			sb.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
			args = append(args, tn.ID, brands[acct%10], fmt.Sprintf("act_%013d", acct), fmt.Sprintf("2384%011d", a), day, day[:7],
				"23840000000001", "23840000000002", fmt.Sprintf("Spring offer — ad %d", a), curs[acct%3], int64(1000+a*7+d),
				int64(5000+a), int64(4000+a), int64(30+a%50), int64(a%9), int64(a%5), int64(0))
			n++
			if n%batch == 0 {
				flush()
			}
		}
	}
	flush()
	for d := -7; d < days; d++ {
		day := start.AddDate(0, 0, d).Format(time.DateOnly)
		q := "INSERT INTO fx_rates (tenant_id, day, base, quote, rate, source, created_at) VALUES ('', ?, 'EUR', 'USD', ?, 'ecb', 0), ('', ?, 'EUR', 'GBP', ?, 'ecb', 0)"
		if db.Dialect != "sqlite" {
			q = renumber(q)
		}
		if _, err := tx.ExecContext(ctx, q, day, fmt.Sprintf("1.%04d", 800+d%400), day, fmt.Sprintf("0.%04d", 8500+d%300)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return NewLedger(db, tn.ID, nil), start.Format(time.DateOnly), start.AddDate(0, 0, days-1).Format(time.DateOnly)
}

// renumber turns ? placeholders into PostgreSQL's $1, $2…
func renumber(q string) string {
	var sb strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			sb.WriteString("$" + strconv.Itoa(n))
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}
