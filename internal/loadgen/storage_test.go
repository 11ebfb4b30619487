package loadgen_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"relance/attribution"
	"relance/conversations"
	"relance/database"
	"relance/internal/loadgen"
	"relance/tenancy"
)

// BenchmarkIngestRealistic submits the headline profile (deliveries of 1–50 events, 20,000 senders in random
// order, 16 in flight) straight to the ingester, no HTTP, with contacts updated in the ingesting commit
// ("inline") or folded every second ("fold1s"), with attribution observing each batch as serve runs it
// ("attr") and without ("noattr"): run together, the pairs give attribution's cost. It reports the process's
// CPU time per event (user + system, fold included): on a shared machine a steadier comparison than events/s.
func BenchmarkIngestRealistic(b *testing.B) {
	for _, mode := range []struct {
		name string
		fold time.Duration
	}{{"inline", 0}, {"fold1s", time.Second}} {
		b.Run(mode.name, func(b *testing.B) {
			for _, attr := range []bool{true, false} {
				b.Run(map[bool]string{true: "attr", false: "noattr"}[attr], func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						ingestRealistic(b, mode.fold, 1, 50, attr)
					}
				})
			}
		})
	}
}

func ingestRealistic(b *testing.B, fold time.Duration, minBatch, maxBatch int, attribute bool) {
	url := prepare(b)
	db, err := database.Open(url, database.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	v, _ := tenancy.NewVault([]byte(key))
	in := conversations.NewIngester(db, v, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)), 5000)
	in.FoldEvery(fold)
	if attribute {
		in.Observe(attribution.NewTracker(db).Observer())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { in.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	const events = 60_000
	bodies := loadgen.Bodies(loadgen.Options{Pages: pages, Events: events, Batch: minBatch, MaxBatch: maxBatch,
		Senders: 20_000, Seed: "storage"})
	deliveries := make([][]conversations.Entry, len(bodies))
	for k, body := range bodies {
		if deliveries[k], err = conversations.Parse(body, conversations.ParseOptions{NLPThreshold: 0.8}); err != nil {
			b.Fatal(err)
		}
	}
	cpu0 := cpuTime()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := int(next.Add(1)) - 1; k < len(deliveries); k = int(next.Add(1)) - 1 {
				if _, err := in.Submit(ctx, deliveries[k]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	acked := time.Since(start)
	if err := in.Fold(ctx); err != nil {
		b.Fatal(err)
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(events/acked.Seconds(), "events/s")
	b.ReportMetric(float64(cpu.Microseconds())/events, "cpu-µs/event")
	b.Logf("%d events acknowledged in %v (%.0f events/s), CPU %v (%.1f µs/event, fold included)", events,
		acked.Round(time.Millisecond), events/acked.Seconds(), cpu.Round(time.Millisecond), float64(cpu.Microseconds())/events)
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSQLiteInsertCeiling is the SQLite driver's own ceiling on this machine, for comparison with the
// ingester: 60,000 rows shaped like messages (tenant, brand and Page ids, a random Meta mid, one of 20,000
// PSIDs, a short text) in transactions of 400 (a group commit of 16 deliveries of 25 events), through the same
// writer connection and one JSON parameter per statement as the ingester (and in transactions of 4,000: what
// a fold or a longer group commit would write at once). "append" has no index but the rowid;
// "mid" adds the unique index on (tenant, brand, Page, mid) that deduplicates Meta's retries; "thread" adds the
// thread index (tenant, brand, Page, PSID, time) too, which is what the webhook path writes per message
// before anything else.
func BenchmarkSQLiteInsertCeiling(b *testing.B) {
	for _, v := range []struct{ name, indexes string }{
		{"append", ""},
		{"mid", "CREATE UNIQUE INDEX t_mid ON t (tenant_id, brand_id, page_id, mid);"},
		{"thread", "CREATE UNIQUE INDEX t_mid ON t (tenant_id, brand_id, page_id, mid); CREATE INDEX t_thread ON t (tenant_id, brand_id, page_id, psid, sent_at);"},
	} {
		for _, perTx := range []int{400, 4000} {
			b.Run(fmt.Sprintf("%s/tx%d", v.name, perTx), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					insertCeiling(b, v.indexes, perTx)
				}
			})
		}
	}
}

func insertCeiling(b *testing.B, indexes string, perTx int) {
	db, err := database.Open("sqlite://"+b.TempDir()+"/ceiling.db", database.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.W.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL, brand_id TEXT NOT NULL,
		page_id TEXT NOT NULL, psid TEXT NOT NULL, mid TEXT NOT NULL, text TEXT NOT NULL, sent_at BIGINT NOT NULL)`).Error; err != nil {
		b.Fatal(err)
	}
	for _, q := range strings.Split(indexes, ";") {
		if strings.TrimSpace(q) != "" {
			if err := db.W.Exec(q).Error; err != nil {
				b.Fatal(err)
			}
		}
	}
	const rows = 60_000
	rng := rand.New(rand.NewPCG(1, 2))
	tenant, brand := tenancy.NewID(), tenancy.NewID()
	docs := make([]string, 0, rows/perTx)
	for start := 0; start < rows; start += perTx {
		batch := make([][]any, 0, perTx)
		for k := start; k < start+perTx; k++ {
			batch = append(batch, []any{tenant, brand, "104000000000501", strconv.Itoa(7100000000000000 + rng.IntN(20_000)),
				fmt.Sprintf("m_%016x%016x", rng.Uint64(), rng.Uint64()), "Bonjour, vous êtes ouverts demain midi ?", 1764064800000 + int64(k)})
		}
		doc, _ := json.Marshal(batch)
		docs = append(docs, string(doc))
	}
	q := `INSERT INTO t (tenant_id, brand_id, page_id, psid, mid, text, sent_at) SELECT value->>0, value->>1, value->>2,
		value->>3, value->>4, value->>5, value->>6 FROM jsonb_each(?) WHERE true ON CONFLICT DO NOTHING`
	cpu0 := cpuTime()
	start := time.Now()
	for _, doc := range docs {
		if err := db.W.Transaction(func(tx *gorm.DB) error { return tx.Exec(q, doc).Error }); err != nil {
			b.Fatal(err)
		}
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.ReportMetric(rows/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(cpu.Microseconds())/rows, "cpu-µs/row")
}
