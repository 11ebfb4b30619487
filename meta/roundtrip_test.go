package meta_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"relance/meta"
	"relance/meta/sandbox"
)

// testSecret is the app secret of the round-trip tests.
const testSecret = "sandbox-test-secret"

// pair is a client and a sandbox talking over real HTTP (httptest), as relance talks to Meta.
type pair struct {
	C   *meta.Client
	S   *sandbox.Sandbox
	URL string
}

// newPair starts a sandbox on a loopback server and a client for it, pacing off and quick retries. The
// simulated clock starts on Monday 2026-03-02 00:00 UTC unless so.Start says otherwise.
func newPair(t testing.TB, so sandbox.Options) pair {
	t.Helper()
	if so.AppSecret == "" {
		so.AppSecret = testSecret
	}
	if so.Start.IsZero() {
		so.Start = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	}
	sb, err := sandbox.New(so)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go sb.Run(ctx)
	c, err := meta.New(meta.Options{BaseURL: srv.URL, Version: "v25.0", AppSecret: so.AppSecret, SendRate: -1,
		Retries: 3, Clock: &instantClock{now: so.Start}})
	if err != nil {
		t.Fatal(err)
	}
	return pair{C: c, S: sb, URL: srv.URL}
}

// instantClock is the client's clock in round trips: waits (backoff, slow-down near the usage limits,
// polling) pass at once and only move its time, so no test waits on the wall clock.
type instantClock struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
}

func (c *instantClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *instantClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
		c.slept += d
	}
	return ctx.Err()
}
