package sandbox

import (
	"context"
	"sort"
	"time"
)

// dueEvent is a webhook the simulation decided to send at a later simulated time (a reply some minutes after
// a sponsored message, a follow-up message after a Get Started).
type dueEvent struct {
	at     time.Time
	seq    int64
	page   string
	events []Event
}

// later schedules events for a simulated time; the mutex is held.
func (s *Sandbox) later(at time.Time, page string, events ...Event) {
	s.seq++
	s.due = append(s.due, dueEvent{at: at, seq: s.seq, page: page, events: events})
}

// emitDue queues, in time order, the scheduled webhooks due before end; the mutex is held.
func (s *Sandbox) emitDue(end time.Time) {
	sort.SliceStable(s.due, func(i, j int) bool {
		if !s.due[i].at.Equal(s.due[j].at) {
			return s.due[i].at.Before(s.due[j].at)
		}
		return s.due[i].seq < s.due[j].seq
	})
	n := 0
	for n < len(s.due) && s.due[n].at.Before(end) {
		d := s.due[n]
		s.apply(d)
		s.out.enqueue(d.page, d.at, d.events)
		n++
	}
	s.due = s.due[n:]
}

// Advance moves the simulated clock forward by d, an hour at a time: active ads deliver (impressions,
// clicks, spend, new conversations), replies fall due, and their webhooks are queued in time order. It
// returns once relance accepted them all (when a webhook URL is set and Run is running).
func (s *Sandbox) Advance(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	end := s.sim.Add(d)
	for s.sim.Before(end) {
		next := s.sim.Truncate(time.Hour).Add(time.Hour)
		if next.After(end) {
			next = end
		}
		s.simulate(s.sim, next)
		s.deliverSponsored(next)
		s.emitDue(next)
		s.sim = next
	}
	s.mu.Unlock()
	return s.out.flush(ctx)
}

// AdvanceTo moves the simulated clock to t (nothing happens if t is not later).
func (s *Sandbox) AdvanceTo(ctx context.Context, t time.Time) error {
	d := t.Sub(s.Now())
	if d <= 0 {
		return nil
	}
	return s.Advance(ctx, d)
}

// Run posts the outbox's webhooks until ctx ends.
func (s *Sandbox) Run(ctx context.Context) { s.out.run(ctx) }

// Follow keeps the simulated clock on the wall clock (checked every interval) until ctx ends: the mode of
// `relance serve`, where the sandbox stands in for Meta in real time.
func (s *Sandbox) Follow(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.AdvanceTo(ctx, s.o.Now().UTC()); err != nil && ctx.Err() == nil {
				s.o.Log.Warn("sandbox clock", "err", err)
			}
		}
	}
}

// Flush waits until every queued webhook was accepted.
func (s *Sandbox) Flush(ctx context.Context) error { return s.out.flush(ctx) }

// Pending returns the webhook bodies not yet delivered.
func (s *Sandbox) Pending() [][]byte { return s.out.pending() }
