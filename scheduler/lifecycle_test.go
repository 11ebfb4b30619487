package scheduler_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"relance/internal/testdb"
	"relance/scheduler"
)

func TestStartStop(t *testing.T) {
	db := testdb.Open(t)
	rec := newRecorder()
	s := newScheduler(t, db, scheduler.Options{Instance: "a"}, scheduler.Kind{Name: "refresh", Handler: rec.handle,
		Source: static(scheduler.Entry{Key: "job", Spec: "@daily", TZ: "Europe/Paris"})})
	s.Start()
	s.Start() // a second Start does nothing
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

// TestStopWaitsForRunningHandler: the catch-up tick that Start begins runs a slot; Stop returns only once
// that handler has finished and its run is recorded.
func TestStopWaitsForRunningHandler(t *testing.T) {
	db := testdb.Open(t)
	entered, release := make(chan struct{}), make(chan struct{})
	hold := func(ctx context.Context, _ string, _ time.Time) error {
		close(entered)
		<-release
		return nil
	}
	now := day(t, "10:00:10")
	s := newScheduler(t, db, scheduler.Options{Instance: "a", Now: func() time.Time { return now }},
		scheduler.Kind{Name: "refresh", Handler: hold,
			Source: static(scheduler.Entry{Key: "job", Spec: "0 10 * * *", Since: day(t, "09:00:00")})})
	s.Start()
	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(context.Background()) }()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while a handler was running", err)
	default:
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	r, err := s.LastRun(context.Background(), "refresh", "job")
	if err != nil || r.Outcome != scheduler.OutcomeOK {
		t.Fatalf("after Stop: %+v, %v, want the run recorded ok", r, err)
	}
}

// TestStopDeadlineGivesSlotBack: when Stop's context ends before a handler does, the handler is cancelled
// and its slot given back with its lease ended, so that another instance takes it over at once.
func TestStopDeadlineGivesSlotBack(t *testing.T) {
	dbs := openShared(t, 2)
	entered := make(chan struct{})
	wait := func(ctx context.Context, _ string, _ time.Time) error {
		close(entered)
		<-ctx.Done()
		return ctx.Err()
	}
	now := day(t, "10:00:10")
	entry := scheduler.Entry{Key: "job", Spec: "0 10 * * *", Since: day(t, "09:00:00")}
	a := newScheduler(t, dbs[0], scheduler.Options{Instance: "a", Now: func() time.Time { return now }},
		scheduler.Kind{Name: "refresh", Handler: wait, Source: static(entry)})
	a.Start()
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := a.Stop(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Stop with an ended context = %v, want context.Canceled", err)
	}
	r, err := a.LastRun(context.Background(), "refresh", "job")
	if err != nil || r.Outcome != scheduler.OutcomeRunning || !r.LeaseUntil.IsZero() || r.Instance != "a" {
		t.Fatalf("after Stop: %+v, %v, want a's claim still running with its lease ended", r, err)
	}

	rec := newRecorder()
	b := newScheduler(t, dbs[1], scheduler.Options{Instance: "b"}, scheduler.Kind{Name: "refresh", Handler: rec.handle, Source: static(entry)})
	if err := b.Tick(context.Background(), now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	r, err = b.LastRun(context.Background(), "refresh", "job")
	if err != nil || r.Outcome != scheduler.OutcomeOK || r.Instance != "b" || r.Attempt != 2 || len(rec.slots("job")) != 1 {
		t.Fatalf("b: %+v, %v, want b's attempt 2 ok", r, err)
	}
}

// TestReloadAddsAndRemovesJobs: jobs follow their source across reloads, a changed spec takes effect, and
// an entry with a bad spec is left out without stopping the others.
func TestReloadAddsAndRemovesJobs(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	var mu sync.Mutex
	since := day(t, "08:00:00")
	entries := []scheduler.Entry{{Key: "a", Spec: "0 9 * * *", Since: since}, {Key: "bad", Spec: "0 25 * * *", Since: since}}
	source := func(context.Context) ([]scheduler.Entry, error) {
		mu.Lock()
		defer mu.Unlock()
		return append([]scheduler.Entry(nil), entries...), nil
	}
	rec := newRecorder()
	s := newScheduler(t, db, scheduler.Options{Instance: "a"}, scheduler.Kind{Name: "refresh", Handler: rec.handle, Source: source})
	if err := s.Tick(ctx, day(t, "09:00:01")); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	entries = []scheduler.Entry{{Key: "b", Spec: "0 10 * * *", Since: since}, {Key: "c", Spec: "0 9 * * *", Since: since}}
	mu.Unlock()
	if err := s.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Tick(ctx, day(t, "10:00:01")); err != nil {
		t.Fatal(err)
	}

	// c's spec moves from 09:00 to 11:00 at 10:30: its 09:00 slot ran, 11:00 comes next.
	mu.Lock()
	entries = []scheduler.Entry{{Key: "c", Spec: "0 11 * * *", Since: day(t, "10:30:00")}}
	mu.Unlock()
	if err := s.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Tick(ctx, day(t, "11:00:01")); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, key := range []string{"a", "b", "c", "bad"} {
		got[key] = strings.Join(hours(rec.slots(key)), " ")
	}
	want := map[string]string{"a": "09:00", "b": "10:00", "c": "09:00 11:00", "bad": ""}
	for key := range want {
		if got[key] != want[key] {
			t.Errorf("job %s ran %q, want %q", key, got[key], want[key])
		}
	}
}

func TestRegisterRejectsBadKinds(t *testing.T) {
	s, err := scheduler.New(testdb.Open(t), scheduler.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ok := scheduler.Kind{Name: "refresh", Source: static(), Handler: newRecorder().handle}
	if err := s.Register(ok); err != nil {
		t.Fatal(err)
	}
	for name, k := range map[string]scheduler.Kind{
		"duplicate":  ok,
		"no name":    {Source: ok.Source, Handler: ok.Handler},
		"no handler": {Name: "x", Source: ok.Source},
		"bad missed": {Name: "y", Source: ok.Source, Handler: ok.Handler, Missed: "never"},
	} {
		if err := s.Register(k); err == nil {
			t.Errorf("%s: Register accepted it", name)
		}
	}
	if _, err := scheduler.New(nil, scheduler.Options{Missed: "sometimes"}); !errors.Is(err, scheduler.ErrBadMissed) {
		t.Errorf("New with a bad Missed: %v, want ErrBadMissed", err)
	}
	if m, err := scheduler.ParseMissed(""); err != nil || m != scheduler.MissedLatest {
		t.Errorf("ParseMissed(\"\") = %q, %v, want latest", m, err)
	}
}
