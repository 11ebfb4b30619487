package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Start starts the timer and the background loop, and returns at once. The loop reloads the sources
// and ticks every Options.ReloadEvery, beginning now: that first tick catches up on the slots that fell
// while no instance ran. A reload that fails is logged and tried again on the next round.
func (s *Scheduler) Start() {
	s.startOnce.Do(func() {
		select {
		case <-s.quit:
			return // stopped before it started
		default:
		}
		s.cron.Start()
		s.wg.Add(1)
		go s.loop()
	})
}

// Stop stops the timer and the loop and waits for the running handlers. If ctx ends first, the handlers'
// context is cancelled, their slots are given back for another instance to take over at once, and Stop
// returns ctx's error when they have returned.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() { close(s.quit) })
	timer := s.cron.Stop()
	done := make(chan struct{})
	go func() {
		<-timer.Done()
		s.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("scheduler: stop: %w", ctx.Err())
	}
	s.cancel()
	<-done
	return err
}

// loop reloads and ticks until Stop.
func (s *Scheduler) loop() {
	defer s.wg.Done()
	t := time.NewTicker(s.o.ReloadEvery)
	defer t.Stop()
	for {
		s.background()
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
	}
}

// background reloads the sources, then ticks in its own goroutine so that a long handler does not hold
// up the next reload; a round whose previous tick still runs does not start another.
func (s *Scheduler) background() {
	if err := s.Reload(s.base); err != nil {
		s.log.Warn("scheduler: reload", "err", err)
	}
	if !s.busy.CompareAndSwap(false, true) {
		return
	}
	s.wg.Go(func() {
		defer s.busy.Store(false)
		now := s.o.Now()
		if err := s.Tick(s.base, now); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Error("scheduler: tick", "err", err)
		}
		s.maybePrune(now)
	})
}

// fire is the timer's job for one entry: the same code as Tick, with the real time.
func (s *Scheduler) fire(j *job) {
	if err := s.runJob(s.base, j, s.o.Now()); err != nil && !errors.Is(err, context.Canceled) {
		s.log.Error("scheduler: timer", "kind", j.kind.Name, "key", j.entry.Key, "err", err)
	}
}

// maybePrune deletes history older than Options.KeepFor, at most hourly. Only the background tick calls
// it, one at a time, so pruned needs no lock.
func (s *Scheduler) maybePrune(now time.Time) {
	if s.o.KeepFor < 0 || now.Sub(s.pruned) < time.Hour {
		return
	}
	s.pruned = now
	n, err := s.prune(s.base, now.Add(-s.o.KeepFor), now)
	switch {
	case err != nil && !errors.Is(err, context.Canceled):
		s.log.Warn("scheduler: prune", "err", err)
	case n > 0:
		s.log.Info("scheduler: pruned run history", "rows", n)
	}
}

// cronLogger hands robfig's logs to slog, its routine messages at debug level.
type cronLogger struct{ l *slog.Logger }

// Info logs a routine message of the timer.
func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }

// Error logs an error of the timer (a panic that escaped the scheduler's own recovery).
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
