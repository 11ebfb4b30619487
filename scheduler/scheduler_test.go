package scheduler_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"relance/database"
	"relance/internal/testdb"
	"relance/scheduler"
)

// recorder is a handler that counts its calls per job and slot.
type recorder struct {
	mu    sync.Mutex
	calls map[string][]time.Time
}

func newRecorder() *recorder { return &recorder{calls: map[string][]time.Time{}} }

func (r *recorder) handle(_ context.Context, key string, slot time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[key] = append(r.calls[key], slot)
	return nil
}

// slots returns the slots a job ran, in call order.
func (r *recorder) slots(key string) []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.calls[key]...)
}

// static is a source with fixed entries.
func static(entries ...scheduler.Entry) scheduler.Source {
	return func(context.Context) ([]scheduler.Entry, error) { return entries, nil }
}

// newScheduler builds a scheduler with one kind and loads its jobs.
func newScheduler(t *testing.T, db *database.DB, o scheduler.Options, k scheduler.Kind) *scheduler.Scheduler {
	t.Helper()
	s, err := scheduler.New(db, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Register(k); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// openShared opens n handles on one fresh, migrated database, as n instances would: on SQLite the same
// file n times, on PostgreSQL the same database n times.
func openShared(t *testing.T, n int) []*database.DB {
	t.Helper()
	url := testdb.URL(t)
	var dbs []*database.DB
	for i := 0; i < n; i++ {
		db, err := database.Open(url, database.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		if i == 0 {
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		dbs = append(dbs, db)
	}
	return dbs
}

// day returns a time on 2026-01-05 (a Monday, winter time in Europe) from "15:04:05" in UTC.
func day(t *testing.T, clock string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02 15:04:05", "2026-01-05 "+clock)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// outcomes maps a job's runs as "15:04" → outcome.
func outcomes(t *testing.T, s *scheduler.Scheduler, kind, key string) map[string]string {
	t.Helper()
	runs, err := s.Runs(context.Background(), kind, key, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range runs {
		out[r.Slot.Format("15:04")] = r.Outcome
	}
	return out
}

// TestThreeInstancesEverySlotOnce is the acceptance test: three instances, each with its own connections
// to one database, tick one every-minute job concurrently over five simulated minutes, twice per step (the
// timer and the background loop), with their clocks a little apart. Every slot runs exactly once.
func TestThreeInstancesEverySlotOnce(t *testing.T) {
	ctx := context.Background()
	start := day(t, "10:00:30")
	rec := newRecorder()
	dbs := openShared(t, 3)
	var instances []*scheduler.Scheduler
	for i, db := range dbs {
		instances = append(instances, newScheduler(t, db, scheduler.Options{Instance: fmt.Sprintf("instance-%d", i)},
			scheduler.Kind{Name: "refresh", Handler: rec.handle,
				Source: static(scheduler.Entry{Key: "aud-1", Spec: "* * * * *", TZ: "Europe/Paris", Since: start})}))
	}

	rng := rand.New(rand.NewPCG(7, 11))
	steps := 0
	for at := start; !at.After(start.Add(5 * time.Minute)); at = at.Add(7 * time.Second) {
		var wg sync.WaitGroup
		gate := make(chan struct{})
		errs := make(chan error, 2*len(instances))
		for _, s := range instances {
			for range 2 {
				now := at.Add(time.Duration(rng.IntN(1500)) * time.Millisecond)
				wg.Go(func() {
					<-gate // all at once, to give a double claim its best chance
					errs <- s.Tick(ctx, now)
				})
			}
		}
		close(gate)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("tick at %s: %v", at.Format(time.TimeOnly), err)
			}
		}
		steps++
	}

	calls := map[time.Time]int{}
	for _, slot := range rec.slots("aud-1") {
		calls[slot]++
	}
	var want []time.Time
	for m := 1; m <= 5; m++ {
		want = append(want, day(t, fmt.Sprintf("10:%02d:00", m)))
	}
	for _, slot := range want {
		if calls[slot] != 1 {
			t.Errorf("slot %s ran %d times, want once", slot.Format(time.TimeOnly), calls[slot])
		}
	}
	if len(calls) != len(want) {
		t.Errorf("handler saw slots %v, want %v", calls, want)
	}

	runs, err := instances[2].Runs(ctx, "refresh", "aud-1", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 5 {
		t.Fatalf("%d runs recorded, want 5: %+v", len(runs), runs)
	}
	for i, r := range runs {
		if !r.Slot.Equal(want[4-i]) || r.Outcome != scheduler.OutcomeOK || r.Attempt != 1 || r.FinishedAt == nil {
			t.Errorf("run %d = %+v, want slot %s ok, attempt 1, finished (newest first)", i, r, want[4-i].Format(time.TimeOnly))
		}
	}
	var ok int64
	if err := dbs[0].R.Raw("SELECT COUNT(*) FROM scheduler_runs WHERE kind = 'refresh' AND outcome = 'ok'").Scan(&ok).Error; err != nil {
		t.Fatal(err)
	}
	if ok != 5 {
		t.Errorf("%d ok rows in scheduler_runs, want 5", ok)
	}
	t.Logf("%d steps, 6 ticks each, 5 slots", steps)
}

// TestConcurrentClaimLoses makes the race of two instances deterministic: b finds the slots 10:01 and
// 10:02 due and runs them in turn (missed policy all); while b runs 10:01, a claims and runs 10:02. b's
// claim of 10:02 then loses, and 10:02 runs once.
func TestConcurrentClaimLoses(t *testing.T) {
	ctx := context.Background()
	dbs := openShared(t, 2)
	entry := scheduler.Entry{Key: "job", Spec: "* * * * *", Since: day(t, "10:00:30")}
	recA, recB := newRecorder(), newRecorder()
	a := newScheduler(t, dbs[0], scheduler.Options{Instance: "a"}, scheduler.Kind{Name: "refresh", Handler: recA.handle, Source: static(entry)})
	var aErr error
	inB := func(ctx context.Context, key string, slot time.Time) error {
		if slot.Equal(day(t, "10:01:00")) {
			aErr = a.Tick(ctx, day(t, "10:02:30"))
		}
		return recB.handle(ctx, key, slot)
	}
	b := newScheduler(t, dbs[1], scheduler.Options{Instance: "b", Missed: scheduler.MissedAll},
		scheduler.Kind{Name: "refresh", Handler: inB, Source: static(entry)})
	if err := b.Tick(ctx, day(t, "10:02:30")); err != nil {
		t.Fatal(err)
	}
	if aErr != nil {
		t.Fatal(aErr)
	}
	if ranA, ranB := strings.Join(hours(recA.slots("job")), " "), strings.Join(hours(recB.slots("job")), " "); ranA != "10:02" || ranB != "10:01" {
		t.Errorf("a ran %q and b ran %q, want a 10:02 and b 10:01", ranA, ranB)
	}
}
