package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// Tick does what is due at now for every job loaded by the last Reload: it takes over slots whose lease
// lapsed, then claims and runs each job's due slots, applying the Missed policy to the older ones. It
// returns once the handlers it started have finished. A handler's error is recorded in the run, not
// returned: the error is about the database. Tests call it with a simulated now.
func (s *Scheduler) Tick(ctx context.Context, now time.Time) error {
	jobs := s.snapshot()
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	fail := func(err error) {
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}
	sem := make(chan struct{}, s.o.Concurrency)
	spawn := func(f func() error) {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fail(f())
		}()
	}
	lapsed, err := s.lapsed(ctx, now)
	fail(err)
	for _, r := range lapsed {
		// A kind or job this instance does not load is left to the instances that do.
		if j, ok := jobs[jobID{r.Kind, r.Key}]; ok {
			spawn(func() error { return s.retry(ctx, j, r, now) })
		}
	}
	for _, j := range jobs {
		// Most jobs have nothing due: skip them without a goroutine or a look at their schedule.
		if j.next.Load() > now.UnixMilli() {
			continue
		}
		spawn(func() error { return s.runJob(ctx, j, now) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// clock returns the tick's clock: now, moved on by the real time elapsed since the call, so that a run
// that starts after others in the same tick does not start with a lease already partly spent.
func clock(now time.Time) func() time.Time {
	began := time.Now()
	return func() time.Time { return now.Add(time.Since(began)) }
}

// runJob claims and runs the due slots of one job, oldest first. The timer calls it when a slot comes.
func (s *Scheduler) runJob(ctx context.Context, j *job, now time.Time) error {
	if n := j.sched.Next(time.UnixMilli(j.cursor.Load())); n.IsZero() || n.After(now) {
		return nil // nothing after the newest slot this instance knows was claimed: no query needed
	}
	kind, key := j.kind.Name, j.entry.Key
	last, ok, err := s.lastSlot(ctx, kind, key)
	if err != nil {
		return fmt.Errorf("scheduler: %s %s: last slot: %w", kind, key, err)
	}
	from := j.since
	if ok && last.After(from) {
		from = last
	}
	j.advance(from)
	slots, dropped := due(j.sched, from, now, s.o.MaxMissed)
	if dropped > 0 {
		s.log.Warn("scheduler: missed slots past the cap are neither run nor recorded", "kind", kind, "key", key,
			"count", dropped, "cap", s.o.MaxMissed)
	}
	at := clock(now)
	policy := j.kind.Missed
	for i, slot := range slots {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("scheduler: %s %s: %w", kind, key, err)
		}
		late := now.Sub(slot)
		newest := i == len(slots)-1
		if policy == MissedAll || newest && (policy == MissedLatest || late <= s.o.Grace) {
			c, won, err := s.claim(ctx, kind, key, slot, at())
			if err != nil {
				return err
			}
			if won {
				s.execute(ctx, j, c)
			}
		} else {
			won, err := s.skip(ctx, kind, key, slot, at(), fmt.Sprintf("missed by %s (missed policy %s)", late.Round(time.Second), policy))
			if err != nil {
				return err
			}
			if won {
				s.m.count(kind, OutcomeSkipped)
			}
		}
		j.advance(slot)
	}
	return nil
}

// due lists the slots of sched in (from, now], oldest first, keeping the newest max of them; dropped
// counts the older ones.
func due(sched schedule, from, now time.Time, max int) (slots []time.Time, dropped int) {
	for t := sched.Next(from); !t.IsZero() && !t.After(now); t = sched.Next(t) {
		if len(slots) == max {
			slots = slots[1:]
			dropped++
		}
		slots = append(slots, t.UTC())
	}
	return slots, dropped
}

// retry decides what becomes of a lapsed slot of a loaded job: taken over and run again, or failed when
// running it now would go against the job's Missed policy or it has failed too often.
func (s *Scheduler) retry(ctx context.Context, j *job, r lapsedRun, now time.Time) error {
	var reason string
	switch policy := j.kind.Missed; {
	case r.Attempt >= s.o.MaxAttempts:
		reason = fmt.Sprintf("given up after %d attempts: the lease of %s lapsed", r.Attempt, r.Instance)
	case policy == MissedSkip && now.Sub(r.Slot) > s.o.Grace:
		reason = fmt.Sprintf("the lease of %s lapsed; not run late (missed policy skip)", r.Instance)
	case policy == MissedLatest:
		last, _, err := s.lastSlot(ctx, r.Kind, r.Key)
		if err != nil {
			return fmt.Errorf("scheduler: %s %s: last slot: %w", r.Kind, r.Key, err)
		}
		if last.After(r.Slot) {
			reason = fmt.Sprintf("the lease of %s lapsed; superseded by the slot of %s", r.Instance, last.Format(time.RFC3339))
		}
	}
	if reason != "" {
		ended, err := s.abandon(ctx, r, now, reason)
		if ended {
			s.m.count(r.Kind, OutcomeFailed)
			s.log.Warn("scheduler: lapsed slot failed", "kind", r.Kind, "key", r.Key, "slot", r.Slot, "reason", reason)
		}
		return err
	}
	c, won, err := s.takeOver(ctx, r, now)
	if err != nil || !won {
		return err
	}
	s.log.Warn("scheduler: slot taken over", "kind", r.Kind, "key", r.Key, "slot", r.Slot, "from", r.Instance, "attempt", c.attempt)
	s.execute(ctx, j, c)
	return nil
}

// execute runs a claimed slot's handler, renewing the lease meanwhile, and records the outcome.
func (s *Scheduler) execute(ctx context.Context, j *job, c claim) {
	log := s.log.With("kind", c.kind, "key", c.key, "slot", c.slot, "attempt", c.attempt)
	began := time.Now()
	hctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := s.heartbeat(hctx, cancel, c, began)
	err := s.call(hctx, j.kind.Handler, c, log)
	stop()
	elapsed := time.Since(began)

	// The outcome is written even when ctx has ended: that is when it matters most.
	book, done := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer done()
	if err != nil && ctx.Err() != nil {
		// Cut short by shutdown, not failed: another instance takes the slot over at once.
		if _, rerr := s.release(book, c); rerr != nil {
			log.Error("scheduler: slot not given back", "err", rerr)
		}
		log.Info("scheduler: run stopped, slot given back", "err", err)
		return
	}
	outcome, text := OutcomeOK, ""
	if err != nil {
		outcome, text = OutcomeFailed, errorText(err)
	}
	held, ferr := s.finish(book, c, outcome, text, elapsed)
	switch {
	case ferr != nil:
		log.Error("scheduler: run not recorded", "outcome", outcome, "err", ferr)
	case !held:
		log.Warn("scheduler: slot taken over meanwhile, the other attempt's record stands", "outcome", outcome)
	default:
		s.m.observe(c.kind, outcome, elapsed)
		if err != nil {
			log.Warn("scheduler: run failed", "err", err)
		}
	}
}

// heartbeat renews c's lease every third of it until stop is called. If the slot was taken over (this
// instance could not renew in time), it cancels the handler with ErrTakenOver.
func (s *Scheduler) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, c claim, began time.Time) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(max(s.o.Lease/3, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				ok, err := s.renew(ctx, c, c.started.Add(time.Since(began)+s.o.Lease))
				switch {
				case err != nil:
					s.log.Warn("scheduler: lease not renewed", "kind", c.kind, "key", c.key, "err", err)
				case !ok:
					cancel(ErrTakenOver)
					return
				}
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// call runs the handler and turns a panic into an error, so that the run is recorded as failed.
func (s *Scheduler) call(ctx context.Context, h Handler, c claim, log *slog.Logger) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
			log.Error("scheduler: handler panicked", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	return h(ctx, c.key, c.slot)
}

// errorText bounds the error kept in history: a handler may wrap a whole response body.
func errorText(err error) string {
	const max = 2000
	t := err.Error()
	if len(t) > max {
		t = strings.ToValidUTF8(t[:max], "") + "…"
	}
	return t
}
