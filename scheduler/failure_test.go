package scheduler_test

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"relance/internal/testdb"
	"relance/scheduler"
)

// TestFailingHandlerRecorded: an error and a panic both end the run as failed with the reason kept, the
// tick itself goes on (a failing job is not a scheduler error), and the metrics count each outcome.
func TestFailingHandlerRecorded(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	reg := prometheus.NewRegistry()
	handler := func(_ context.Context, key string, _ time.Time) error {
		switch key {
		case "fails":
			return errors.New("meta: rate limited (code 613)")
		case "panics":
			panic("kaboom")
		}
		return nil
	}
	since := day(t, "08:00:00")
	s := newScheduler(t, db, scheduler.Options{Instance: "a", Registerer: reg}, scheduler.Kind{Name: "refresh", Handler: handler,
		Source: static(
			scheduler.Entry{Key: "fails", Spec: "0 9 * * *", Since: since},
			scheduler.Entry{Key: "panics", Spec: "0 9 * * *", Since: since},
			scheduler.Entry{Key: "works", Spec: "0 9 * * *", Since: since},
		)})
	if err := s.Tick(ctx, day(t, "09:00:02")); err != nil {
		t.Fatalf("Tick = %v, want nil: handler failures are recorded, not returned", err)
	}
	for key, want := range map[string]struct{ outcome, text string }{
		"fails":  {scheduler.OutcomeFailed, "meta: rate limited (code 613)"},
		"panics": {scheduler.OutcomeFailed, "panic: kaboom"},
		"works":  {scheduler.OutcomeOK, ""},
	} {
		r, err := s.LastRun(ctx, "refresh", key)
		if err != nil {
			t.Fatal(err)
		}
		if r.Outcome != want.outcome || r.Error != want.text || r.FinishedAt == nil || r.Instance != "a" {
			t.Errorf("%s: %+v, want %s with error %q", key, r, want.outcome, want.text)
		}
	}
	if _, err := s.LastRun(ctx, "refresh", "unknown"); !errors.Is(err, scheduler.ErrNoRuns) {
		t.Errorf("LastRun of a job that never ran: %v, want ErrNoRuns", err)
	}
	if got, want := runsCounted(t, reg, "refresh"), map[string]float64{"failed": 2, "ok": 1}; !maps.Equal(got, want) {
		t.Errorf("relance_scheduler_runs_total by outcome = %v, want %v", got, want)
	}
	// A panic is not retried as if the instance had died: the failed slot stays failed.
	if err := s.Tick(ctx, day(t, "09:30:00")); err != nil {
		t.Fatal(err)
	}
	if runs, _ := s.Runs(ctx, "refresh", "panics", 0); len(runs) != 1 || runs[0].Attempt != 1 {
		t.Errorf("panicking job runs %+v, want one attempt", runs)
	}
}

// runsCounted reads relance_scheduler_runs_total of a kind, by outcome.
func runsCounted(t *testing.T, reg *prometheus.Registry, kind string) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "relance_scheduler_runs_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == kind {
				out[labels["outcome"]] += m.GetCounter().GetValue()
			}
		}
	}
	return out
}
