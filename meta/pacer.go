package meta

import (
	"context"
	"sync"
	"time"
)

// Pacer spaces calls per key (a Page) so that a process never exceeds rate calls per second to one Page,
// whatever number of goroutines send: Meta allows 300 Send API calls per second per Page (reference §2).
// Each call reserves the next free slot under a lock and then sleeps until it, so callers queue fairly.
type Pacer struct {
	mu       sync.Mutex
	interval time.Duration
	next     map[string]time.Time
	clock    Clock
}

// NewPacer allows rate calls per second per key; rate ≤ 0 turns pacing off.
func NewPacer(rate int, clock Clock) *Pacer {
	p := &Pacer{next: map[string]time.Time{}, clock: clock}
	if rate > 0 {
		p.interval = time.Second / time.Duration(rate)
	}
	return p
}

// Wait blocks until key may make its next call.
func (p *Pacer) Wait(ctx context.Context, key string) error {
	if p == nil || p.interval == 0 {
		return ctx.Err()
	}
	p.mu.Lock()
	now := p.clock.Now()
	slot := p.next[key]
	if slot.Before(now) {
		slot = now
	}
	p.next[key] = slot.Add(p.interval)
	p.mu.Unlock()
	return p.clock.Sleep(ctx, slot.Sub(now))
}
