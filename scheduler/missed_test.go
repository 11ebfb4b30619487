package scheduler_test

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"relance/internal/testdb"
	"relance/scheduler"
)

// TestMissedPolicies runs an hourly job at 01:00, then the process is down until 04:20, when a new instance
// comes up and finds 02:00, 03:00 and 04:00 missed: each policy does its part with them.
func TestMissedPolicies(t *testing.T) {
	for _, tc := range []struct {
		policy scheduler.Missed
		calls  []string
		want   map[string]string
	}{
		{scheduler.MissedSkip, []string{"01:00"}, map[string]string{"01:00": "ok", "02:00": "skipped", "03:00": "skipped", "04:00": "skipped"}},
		{scheduler.MissedLatest, []string{"01:00", "04:00"}, map[string]string{"01:00": "ok", "02:00": "skipped", "03:00": "skipped", "04:00": "ok"}},
		{scheduler.MissedAll, []string{"01:00", "02:00", "03:00", "04:00"}, map[string]string{"01:00": "ok", "02:00": "ok", "03:00": "ok", "04:00": "ok"}},
	} {
		t.Run(string(tc.policy), func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t)
			rec := newRecorder()
			kind := scheduler.Kind{Name: "refresh", Handler: rec.handle,
				Source: static(scheduler.Entry{Key: "job", Spec: "0 * * * *", Since: day(t, "00:30:00")})}
			before := newScheduler(t, db, scheduler.Options{Instance: "before", Missed: tc.policy}, kind)
			if err := before.Tick(ctx, day(t, "01:00:05")); err != nil {
				t.Fatal(err)
			}
			after := newScheduler(t, db, scheduler.Options{Instance: "after", Missed: tc.policy}, kind)
			if err := after.Tick(ctx, day(t, "04:20:00")); err != nil {
				t.Fatal(err)
			}
			if got := hours(rec.slots("job")); strings.Join(got, " ") != strings.Join(tc.calls, " ") {
				t.Errorf("handler ran %v, want %v", got, tc.calls)
			}
			if got := outcomes(t, after, "refresh", "job"); !maps.Equal(got, tc.want) {
				t.Errorf("runs %v, want %v", got, tc.want)
			}
			runs, err := after.Runs(ctx, "refresh", "job", 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range runs {
				if r.Outcome == scheduler.OutcomeSkipped && (r.Instance != "after" || !strings.Contains(r.Error, "missed")) {
					t.Errorf("skipped run %+v: want instance after and a reason naming the miss", r)
				}
			}
		})
	}
}

// TestMissedCapAndGrace checks the cap on missed slots run under "all", the grace a slot has under "skip",
// and that a kind's own policy overrides the scheduler's.
func TestMissedCapAndGrace(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	rec := newRecorder()
	o := scheduler.Options{Instance: "a", Missed: scheduler.MissedSkip, MaxMissed: 3, Grace: time.Minute}
	s, err := scheduler.New(db, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []scheduler.Kind{
		{Name: "all", Missed: scheduler.MissedAll, Handler: rec.handle,
			Source: static(scheduler.Entry{Key: "capped", Spec: "0 * * * *", Since: day(t, "00:30:00")})},
		{Name: "skip", Handler: rec.handle,
			Source: static(scheduler.Entry{Key: "graced", Spec: "0 * * * *", Since: day(t, "05:30:00")})},
	} {
		if err := s.Register(k); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	// 01:00 to 06:00 are due for "capped": only the newest three run, the older ones are not recorded.
	// 06:00 is 45 s late for "graced": within the grace, it runs.
	if err := s.Tick(ctx, day(t, "06:00:45")); err != nil {
		t.Fatal(err)
	}
	// 07:00 is 90 s late: past the grace, skipped.
	if err := s.Tick(ctx, day(t, "07:01:30")); err != nil {
		t.Fatal(err)
	}
	if got := hours(rec.slots("capped")); strings.Join(got, " ") != "04:00 05:00 06:00 07:00" {
		t.Errorf("capped ran %v, want 04:00 05:00 06:00 07:00", got)
	}
	if got := outcomes(t, s, "all", "capped"); len(got) != 4 {
		t.Errorf("capped runs %v, want 4 (slots past the cap not recorded)", got)
	}
	want := map[string]string{"06:00": "ok", "07:00": "skipped"}
	if got := outcomes(t, s, "skip", "graced"); !maps.Equal(got, want) {
		t.Errorf("graced runs %v, want %v", got, want)
	}
}

// hours formats slots as "15:04".
func hours(slots []time.Time) []string {
	var out []string
	for _, s := range slots {
		out = append(out, s.UTC().Format("15:04"))
	}
	return out
}
