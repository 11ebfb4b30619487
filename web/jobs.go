package web

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"
)

// jobs are the goroutines the server starts for work that outlives a request (history backfills). They run
// under the server's context, not the request's, and Shutdown stops them and waits for them.
type jobs struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	log    *slog.Logger
}

func newJobs(log *slog.Logger) *jobs {
	ctx, cancel := context.WithCancel(context.Background())
	return &jobs{ctx: ctx, cancel: cancel, log: log}
}

// goRun runs fn in a goroutine owned by the server. A panic is logged, not fatal: requests have their own
// recovery, and a background job must not take every other request down with it (its row keeps its lease,
// which lapses, so it can be resumed).
func (j *jobs) goRun(fn func(ctx context.Context)) {
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		defer func() {
			if r := recover(); r != nil {
				j.log.Error("background job panicked", "panic", r, "stack", string(debug.Stack()))
			}
		}()
		fn(j.ctx)
	}()
}

// stop cancels the jobs and waits for them to save their state, or until ctx ends.
func (j *jobs) stop(ctx context.Context) {
	j.cancel()
	done := make(chan struct{})
	go func() { j.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
