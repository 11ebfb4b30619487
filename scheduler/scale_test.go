package scheduler_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"relance/internal/testdb"
	"relance/scheduler"
)

// scaleJobs is how many campaigns the scale test and benchmarks load: 10,000 on PostgreSQL (the issue's
// workload), 1,000 on SQLite so that the default suite stays quick; RELANCE_SCHED_JOBS overrides it.
func scaleJobs() int {
	if n, err := strconv.Atoi(os.Getenv("RELANCE_SCHED_JOBS")); err == nil && n > 0 {
		return n
	}
	if testdb.Postgres() {
		return 10000
	}
	return 1000
}

// spreadEntries is n send schedules spread over the minutes: job i fires every ten minutes at minute i%10 of
// each ten, so that each simulated minute has a tenth of the jobs due.
func spreadEntries(n int, since time.Time) []scheduler.Entry {
	out := make([]scheduler.Entry, n)
	for i := range out {
		out[i] = scheduler.Entry{Key: fmt.Sprintf("campaign-%05d", i), Spec: fmt.Sprintf("%d-59/10 * * * *", i%10), TZ: "Europe/Paris", Since: since}
	}
	return out
}

// slotCounter counts the runs of each (job, slot) across instances.
type slotCounter struct {
	mu   sync.Mutex
	runs map[string]int
}

func (c *slotCounter) handle(_ context.Context, key string, slot time.Time) error {
	c.mu.Lock()
	c.runs[key+"@"+slot.UTC().Format(time.RFC3339)]++
	c.mu.Unlock()
	return nil
}

// TestSendSlotsAtScale: three instances on one database (PostgreSQL in CI) load 10,000 send schedules with
// the send slots' missed policy (skip) and tick together every 20 simulated seconds, a little apart, for 10
// minutes: every slot of every job runs exactly once — no duplicate, none missed.
func TestSendSlotsAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("ticks thousands of jobs")
	}
	n := scaleJobs()
	dbs := openShared(t, 3)
	start := time.Date(2026, 3, 2, 9, 59, 30, 0, time.UTC)
	entries := spreadEntries(n, start)
	counter := &slotCounter{runs: map[string]int{}}
	var scheds []*scheduler.Scheduler
	for i, db := range dbs {
		scheds = append(scheds, newScheduler(t, db, scheduler.Options{Instance: fmt.Sprintf("i%d", i), Concurrency: 8},
			scheduler.Kind{Name: "send_cron", Missed: scheduler.MissedSkip, Source: static(entries...), Handler: counter.handle}))
	}
	ctx := context.Background()
	end := start.Add(10 * time.Minute)
	var (
		mu      sync.Mutex
		slowest time.Duration
	)
	for now := start; now.Before(end); now = now.Add(20 * time.Second) {
		var wg sync.WaitGroup
		for i, s := range scheds {
			wg.Go(func() {
				began := time.Now()
				if err := s.Tick(ctx, now.Add(time.Duration(i)*300*time.Millisecond)); err != nil {
					t.Error(err)
				}
				mu.Lock()
				slowest = max(slowest, time.Since(began))
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	want := 0
	for i := range entries {
		// Job i's slots in the window: the minutes of (start, end) whose minute of the hour ends in i%10.
		for m := start.Truncate(time.Minute); m.Before(end); m = m.Add(time.Minute) {
			if m.After(start) && m.Minute()%10 == i%10 {
				want++
				if got := counter.runs[entries[i].Key+"@"+m.Format(time.RFC3339)]; got != 1 {
					t.Errorf("%s at %s ran %d times", entries[i].Key, m.Format(time.RFC3339), got)
				}
			}
		}
	}
	if len(counter.runs) != want {
		t.Errorf("%d (job, slot) pairs ran, want %d", len(counter.runs), want)
	}
	t.Logf("%d jobs, %d slots over 10 simulated minutes on 3 instances, each once; slowest tick %v (wall clock, loaded machine)",
		n, want, slowest.Round(time.Millisecond))
}

// BenchmarkTickIdle is the work of a tick in which nothing is due, with scaleJobs send schedules loaded: the
// lapsed-lease query and a look at each job's next slot. It is what every instance pays every 30 seconds.
func BenchmarkTickIdle(b *testing.B) {
	benchTick(b, false)
}

// BenchmarkTickMinute is a tick a minute apart on one instance with scaleJobs send schedules loaded, a tenth
// of them due: the idle work plus, for each due job, reading its last slot, claiming the new one, running
// the (empty) handler and recording its outcome. It reports ms per tick and µs per slot.
func BenchmarkTickMinute(b *testing.B) {
	benchTick(b, true)
}

func benchTick(b *testing.B, advance bool) {
	db := testdb.Open(b)
	n := scaleJobs()
	start := time.Date(2026, 3, 2, 9, 59, 30, 0, time.UTC)
	counter := &slotCounter{runs: map[string]int{}}
	s, err := scheduler.New(db, scheduler.Options{Instance: "bench", Concurrency: 8})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Register(scheduler.Kind{Name: "send_cron", Missed: scheduler.MissedSkip, Source: static(spreadEntries(n, start)...),
		Handler: counter.handle}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Reload(ctx); err != nil {
		b.Fatal(err)
	}
	now := start.Add(time.Minute) // the first minute's slots, claimed before the clock starts
	if err := s.Tick(ctx, now); err != nil {
		b.Fatal(err)
	}
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if advance {
			now = now.Add(time.Minute)
		}
		if err := s.Tick(ctx, now); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/tick")
	// The wall clock of a loaded machine measures the neighbours too: this process's CPU time per tick
	// (the database server's excluded on PostgreSQL) is the steadier figure.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/tick")
	if advance {
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n/10), "µs/slot")
	}
}

// cpuTime is the user and system CPU time this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
