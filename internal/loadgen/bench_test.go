package loadgen_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"relance/app"
	"relance/attribution"
	"relance/conversations"
	"relance/database"
	"relance/internal/loadgen"
	"relance/internal/testdb"
	"relance/tenancy"
)

const (
	secret = "loadgen-app-secret"
	key    = "loadgen-secret-key-0123456789abcdefghij"
)

const benchDeliveries = 1000

var pages = []string{"104000000000501", "104000000000502", "104000000000503", "104000000000504"}

// prepare migrates a fresh database and connects the load's Pages to a brand.
func prepare(b *testing.B) string {
	b.Helper()
	url := testdb.URL(b)
	db, err := database.Open(url, database.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	v, _ := tenancy.NewVault([]byte(key))
	st, err := tenancy.NewStore(ctx, db, v)
	if err != nil {
		b.Fatal(err)
	}
	tn, _ := st.CreateTenant(ctx, "Load", "load")
	name, cur, tz := "Load brand", "EUR", "UTC"
	br, err := st.Tenant(tn.ID).CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range pages {
		if _, err := st.Tenant(tn.ID).ConnectPage(ctx, br.ID, tenancy.PageInput{PageID: p, Name: "Load " + p, AccessToken: "EAAB-load-page-token"}); err != nil {
			b.Fatal(err)
		}
	}
	return url
}

// serve runs relance on the database until the benchmark ends and returns its webhook URL.
func serve(b *testing.B, url string) string {
	b.Helper()
	cfg := app.Defaults()
	cfg.Database.URL = url
	cfg.Security.SecretKey = key
	cfg.Meta.AppSecret = secret
	cfg.Log.Level = "error"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- app.Serve(ctx, cfg, app.ServeOptions{Listener: ln, Ready: ready}) }()
	select {
	case <-ready:
	case err := <-done:
		b.Fatal(err)
	}
	b.Cleanup(func() { cancel(); <-done })
	return "http://" + ln.Addr().String() + "/webhooks/messenger"
}

func report(b *testing.B, r loadgen.Report) {
	b.Logf("%s", r)
	if r.Failed > 0 {
		b.Errorf("%d deliveries failed", r.Failed)
	}
	b.ReportMetric(r.EventsPerS, "events/s")
	b.ReportMetric(float64(r.P50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(r.P99.Microseconds())/1000, "p99-ms")
}

// BenchmarkWebhookThroughput posts 100,000 events in signed deliveries of 100, 16 in flight, as fast as
// relance acknowledges them (each 200 after its commit).
func BenchmarkWebhookThroughput(b *testing.B) {
	for i := 0; i < b.N; i++ {
		url := serve(b, prepare(b))
		r, err := loadgen.Run(context.Background(), loadgen.Options{URL: url, Secret: secret, Pages: pages,
			Events: 100_000, Batch: 100, Concurrency: 16, Seed: "t"})
		if err != nil {
			b.Fatal(err)
		}
		report(b, r)
	}
}

// BenchmarkWebhookLatencyAt5000 paces 50,000 events at 5,000 events/s (deliveries of 50) and reports the
// acknowledgement latency.
func BenchmarkWebhookLatencyAt5000(b *testing.B) {
	for i := 0; i < b.N; i++ {
		url := serve(b, prepare(b))
		r, err := loadgen.Run(context.Background(), loadgen.Options{URL: url, Secret: secret, Pages: pages,
			Events: 50_000, Batch: 50, Concurrency: 64, Rate: 5000, Seed: "l"})
		if err != nil {
			b.Fatal(err)
		}
		report(b, r)
	}
}

// BenchmarkBulkWrite writes the same 100,000 events straight through the ingester, no HTTP, in batches of
// 5,000: the storage limit the webhook path is compared with.
func BenchmarkBulkWrite(b *testing.B) { bulkWrite(b, false) }

// BenchmarkBulkWriteAttribution is BenchmarkBulkWrite with attribution deriving conversations and touches in
// each batch, as relance serve runs it: the two compared in one run give attribution's cost.
func BenchmarkBulkWriteAttribution(b *testing.B) { bulkWrite(b, true) }

func bulkWrite(b *testing.B, attribute bool) {
	for i := 0; i < b.N; i++ {
		url := prepare(b)
		db, err := database.Open(url, database.Options{})
		if err != nil {
			b.Fatal(err)
		}
		v, _ := tenancy.NewVault([]byte(key))
		in := conversations.NewIngester(db, v, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)), 5000)
		var spent atomic.Int64 // time in attribution, inside the batches' transactions
		if attribute {
			obs := attribution.NewTracker(db).Observer()
			in.Observe(func(ctx context.Context, tx *gorm.DB, evs []conversations.Observed) error {
				t := time.Now()
				err := obs(ctx, tx, evs)
				spent.Add(int64(time.Since(t)))
				return err
			})
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { in.Run(ctx); close(done) }()
		var entries []conversations.Entry
		for k := 0; k < benchDeliveries; k++ {
			e, err := conversations.Parse(loadgen.Body(pages[k%len(pages)], "b", k, 100), conversations.ParseOptions{NLPThreshold: 0.8})
			if err != nil {
				b.Fatal(err)
			}
			entries = append(entries, e...)
		}
		start := time.Now()
		for k := 0; k < len(entries); k += 50 {
			if _, err := in.Submit(ctx, entries[k:min(k+50, len(entries))]); err != nil {
				b.Fatal(err)
			}
		}
		elapsed := time.Since(start)
		const events = benchDeliveries * 100
		b.ReportMetric(events/elapsed.Seconds(), "events/s")
		b.Logf("bulk: %d events in %v: %.0f events/s", events, elapsed.Round(time.Millisecond), events/elapsed.Seconds())
		if attribute {
			b.Logf("attribution: %v of it (%.1f %%)", time.Duration(spent.Load()).Round(time.Millisecond), 100*float64(spent.Load())/float64(elapsed))
			b.ReportMetric(100*float64(spent.Load())/float64(elapsed), "attribution-%")
		}
		cancel()
		<-done
		db.Close()
	}
}
