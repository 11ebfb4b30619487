package campaigns

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"relance/tenancy"
)

// peakHeap samples the Go heap in use every 5 ms until stop is called, which returns the highest sample.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if m.HeapInuse > peak.Load() {
			peak.Store(m.HeapInuse)
		}
	}
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		sample()
		return peak.Load()
	}
}

// BenchmarkSlotRouting measures the routing half of a slot for a large audience: the members of the
// snapshot streamed with their contact state, each routed (holdout, frequency cap, policy at send time,
// variant) and written down as a send row, in statements of 1,000 rows. Every member is in the free window,
// so every one gets a row, as the worst case. RELANCE_BENCH_ROUTE_MEMBERS sets the audience (default
// 20,000; the workload is 1,000,000). It reports seconds per slot, members per second and the
// highest Go heap in use while routing (sampled every 5 ms), whose flatness across sizes shows the members
// are streamed, not held, and the process's CPU time per member (the row counts between slots included).
func BenchmarkSlotRouting(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("RELANCE_BENCH_ROUTE_MEMBERS")); err == nil && v > 0 {
		n = v
	}
	e := newTestEnv(b)
	e.seedFree(b, nil, n)
	c, err := e.st.Create(ctxAs("m"), input(b, merge(b, e.sponsored(), `{"holdout_percent":5}`)))
	if err != nil {
		b.Fatal(err)
	}
	if err := e.st.db.W.Exec(`UPDATE campaigns SET state = ? WHERE id = ?`, StateRunning, c.ID).Error; err != nil {
		b.Fatal(err)
	}
	c, _ = e.st.Get(context.Background(), c.ID)
	ctx := context.Background()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak uint64
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Slots three days apart: the campaign's cap (1 message in 3 days) is read and counts nobody.
		slot := e.now.Add(time.Duration(i) * 72 * time.Hour)
		run := runRow{ID: tenancy.NewID(), TenantID: e.st.tenant, BrandID: e.brand.ID, CampaignID: c.ID, Slot: slot.UnixMilli(),
			Status: RunRouting, Cause: "schedule", SendAt: slot.UnixMilli(), StartedAt: slot.UnixMilli()}
		if err := e.st.db.W.Create(&run).Error; err != nil {
			b.Fatal(err)
		}
		stop := peakHeap()
		if err := e.st.writeSends(ctx, c, run, slot, RunOptions{}); err != nil {
			b.Fatal(err)
		}
		peak = max(peak, stop())
		b.StopTimer()
		var rows int64
		e.st.db.R.Model(&sendRow{}).Where("run_id = ?", run.ID).Count(&rows)
		if int(rows) != n {
			b.Fatalf("slot %d: %d send rows, want %d", i, rows, n)
		}
		b.StartTimer()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/slot")
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "members/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	// The process's CPU time per member (both cores): on a shared machine, the figure to compare.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n*b.N), "cpu-µs/member")
	b.ReportMetric(float64(before.HeapInuse)/(1<<20), "heap-before-MiB")
}
