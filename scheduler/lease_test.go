package scheduler_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"relance/database"
	"relance/internal/testdb"
	"relance/scheduler"
)

// TestLeaseTakeover: instance a claims the 09:00 slot and hangs (as if it had died); b leaves the slot
// alone while a's lease holds, takes it over once it lapses, and a's late finish does not overwrite b's run.
func TestLeaseTakeover(t *testing.T) {
	ctx := context.Background()
	dbs := openShared(t, 2)
	entry := scheduler.Entry{Key: "job", Spec: "0 9 * * *", Since: day(t, "08:00:00")}
	entered, release := make(chan struct{}), make(chan struct{})
	hang := func(ctx context.Context, _ string, _ time.Time) error {
		close(entered)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	o := scheduler.Options{Lease: 2 * time.Minute}
	o.Instance = "a"
	a := newScheduler(t, dbs[0], o, scheduler.Kind{Name: "refresh", Source: static(entry), Handler: hang})
	rec := newRecorder()
	o.Instance = "b"
	b := newScheduler(t, dbs[1], o, scheduler.Kind{Name: "refresh", Source: static(entry), Handler: rec.handle})

	aDone := make(chan error, 1)
	go func() { aDone <- a.Tick(ctx, day(t, "09:00:01")) }()
	<-entered

	// a's lease runs to 09:02:01.
	if err := b.Tick(ctx, day(t, "09:02:00")); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.slots("job")); n != 0 {
		t.Fatalf("b ran the slot %d times while a's lease held", n)
	}
	last, err := b.LastRun(ctx, "refresh", "job")
	if err != nil {
		t.Fatal(err)
	}
	if last.Instance != "a" || last.Attempt != 1 || last.Outcome != scheduler.OutcomeRunning || last.FinishedAt != nil ||
		last.LeaseUntil.Before(day(t, "09:02:01")) || last.LeaseUntil.After(day(t, "09:02:02")) {
		t.Fatalf("while a runs: %+v, want a's running claim leased to 09:02:01", last)
	}

	if err := b.Tick(ctx, day(t, "09:02:02")); err != nil {
		t.Fatal(err)
	}
	if got := hours(rec.slots("job")); len(got) != 1 || got[0] != "09:00" {
		t.Fatalf("after the lease lapsed b ran %v, want the 09:00 slot once", got)
	}
	want := func(when string) {
		t.Helper()
		last, err := b.LastRun(ctx, "refresh", "job")
		if err != nil {
			t.Fatal(err)
		}
		if last.Instance != "b" || last.Attempt != 2 || last.Outcome != scheduler.OutcomeOK || !last.StartedAt.Equal(day(t, "09:02:02")) ||
			!last.LeaseUntil.IsZero() {
			t.Fatalf("%s: %+v, want b's attempt 2, ok, started 09:02:02", when, last)
		}
	}
	want("after the takeover")

	close(release)
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	want("after a finished late")
	if runs, _ := b.Runs(ctx, "refresh", "job", 0); len(runs) != 1 {
		t.Errorf("%d runs, want one row for the slot", len(runs))
	}
}

// TestLapsedSlotDecisions: a slot left running by a dead instance is taken over, or failed without running
// when running it now would go against the Missed policy or it has been tried too often.
func TestLapsedSlotDecisions(t *testing.T) {
	jan5, jan6 := day(t, "09:00:00"), day(t, "09:00:00").AddDate(0, 0, 1)
	for _, tc := range []struct {
		name    string
		policy  scheduler.Missed
		lapsed  time.Time // the slot left running
		attempt int
		later   bool // Jan 6's slot already ran
		runs    bool
		reason  string
	}{
		{"newest slot is taken over", scheduler.MissedLatest, jan6, 1, false, true, ""},
		{"superseded slot is failed", scheduler.MissedLatest, jan5, 1, true, false, "superseded"},
		{"all takes over old slots too", scheduler.MissedAll, jan5, 1, true, true, ""},
		{"skip does not run late", scheduler.MissedSkip, jan6, 1, false, false, "not run late"},
		{"too many attempts", scheduler.MissedAll, jan6, 3, false, false, "given up after 3 attempts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t)
			// The dead instance's lease ended at 09:05 on the slot's day.
			insertRun(t, db, tc.lapsed, "dead", tc.attempt, scheduler.OutcomeRunning, tc.lapsed.Add(5*time.Minute))
			if tc.later {
				insertRun(t, db, jan6, "other", 1, scheduler.OutcomeOK, time.Time{})
			}
			rec := newRecorder()
			s := newScheduler(t, db, scheduler.Options{Instance: "live", Missed: tc.policy, MaxAttempts: 3},
				scheduler.Kind{Name: "refresh", Handler: rec.handle,
					Source: static(scheduler.Entry{Key: "job", Spec: "0 9 * * *", Since: day(t, "08:00:00")})})
			if err := s.Tick(ctx, jan6.Add(30*time.Minute)); err != nil {
				t.Fatal(err)
			}
			got := rec.slots("job")
			ranLapsed := len(got) == 1 && got[0].Equal(tc.lapsed)
			if ranLapsed != tc.runs || !tc.runs && len(got) > 0 {
				t.Fatalf("handler ran %v; want the lapsed slot run: %v", got, tc.runs)
			}
			runs, err := s.Runs(ctx, "refresh", "job", 0)
			if err != nil {
				t.Fatal(err)
			}
			var r scheduler.Run
			for _, x := range runs {
				if x.Slot.Equal(tc.lapsed) {
					r = x
				}
			}
			switch {
			case tc.runs && (r.Outcome != scheduler.OutcomeOK || r.Instance != "live" || r.Attempt != tc.attempt+1):
				t.Errorf("run %+v, want ok by live, attempt %d", r, tc.attempt+1)
			case !tc.runs && (r.Outcome != scheduler.OutcomeFailed || !strings.Contains(r.Error, tc.reason) || r.Attempt != tc.attempt || r.FinishedAt == nil):
				t.Errorf("run %+v, want failed (%s), attempt %d", r, tc.reason, tc.attempt)
			}
		})
	}
}

// insertRun writes a run row as another instance would have left it.
func insertRun(t *testing.T, db *database.DB, slot time.Time, instance string, attempt int, outcome string, lease time.Time) {
	t.Helper()
	var leaseMS, finished int64
	if !lease.IsZero() {
		leaseMS = lease.UnixMilli()
	}
	if outcome != scheduler.OutcomeRunning {
		finished = slot.Add(time.Second).UnixMilli()
	}
	err := db.W.Exec("INSERT INTO scheduler_runs (kind, job_key, slot, instance, attempt, outcome, lease_until, started_at, finished_at) "+
		"VALUES ('refresh', 'job', ?, ?, ?, ?, ?, ?, ?)", slot.UnixMilli(), instance, attempt, outcome, leaseMS, slot.UnixMilli(), finished).Error
	if err != nil {
		t.Fatal(err)
	}
}
