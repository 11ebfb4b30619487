package conversations_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"relance/conversations"
	"relance/meta"
	"relance/meta/sandbox"
	"relance/tenancy"
)

// backfillEnv is the conversations env plus a sandbox Graph API holding history of the fixture Page.
type backfillEnv struct {
	*env
	sb    *sandbox.Sandbox
	graph *meta.Client
	run   *conversations.Backfiller
}

func newBackfillEnv(t *testing.T) *backfillEnv {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{AppSecret: "s", Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), ReplyRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := meta.New(meta.Options{BaseURL: "http://sandbox.invalid", Version: "v25.0", AppSecret: "s", SendRate: -1,
		HTTP: &http.Client{Transport: sb.Transport()}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	return &backfillEnv{env: e, sb: sb, graph: c,
		run: conversations.NewBackfiller(e.db, e.in, c, e.store, slog.New(slog.NewTextHandler(io.Discard, nil)))}
}

// history makes threads on the fixture Page: one message from the Page to each of n people and, an hour
// later, each one's reply; the first person gets long messages more, so that the thread needs paging.
func (b *backfillEnv) history(t *testing.T, n, long int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		psid := fmt.Sprintf("72000000000000%02d", i)
		b.sb.RegisterThread(fixturePage, psid, "", b.sb.Now(), "")
		sends := 1
		if i == 0 {
			sends += long
		}
		for j := 0; j < sends; j++ {
			if _, err := b.graph.Send(ctx, meta.Message{PageID: fixturePage, Token: fixtureToken, Recipient: psid,
				MessagingType: "RESPONSE", Text: fmt.Sprintf("Bonjour %d, message %d", i, j)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := b.sb.Advance(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
}

func (b *backfillEnv) count(t *testing.T, q string) int64 {
	t.Helper()
	b.fold(t)
	var n int64
	if err := b.db.R.Raw(q, b.tenant.ID, b.brand.ID).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBackfillImportsOnceThenCountsDuplicates(t *testing.T) {
	b := newBackfillEnv(t)
	b.history(t, 30, 60) // 30 threads (two pages of threads); 61 sends + 61 replies in the first thread
	ctx := context.Background()
	jobs := b.run.Jobs(b.tenant.ID)
	job, err := jobs.Start(ctx, b.brand.ID, fixturePage)
	if err != nil || job.Status != conversations.BackfillQueued {
		t.Fatalf("start: %+v %v", job, err)
	}
	if _, err := jobs.Start(ctx, b.brand.ID, fixturePage); !errors.Is(err, conversations.ErrBackfillRunning) {
		t.Fatalf("second start while queued: %v, want ErrBackfillRunning", err)
	}
	job, err = b.run.Run(ctx, job)
	if err != nil || job.Status != conversations.BackfillDone || job.FinishedAt == nil {
		t.Fatalf("run: %+v %v", job, err)
	}
	const want = 29*2 + 61*2
	if job.Threads != 30 || job.Messages != want || job.Imported != want || job.Duplicates != 0 || job.Skipped != 0 {
		t.Fatalf("first run counts: %+v, want 30 threads, %d messages imported", job, want)
	}
	if n := b.count(t, "SELECT COUNT(*) FROM messages WHERE tenant_id = ? AND brand_id = ?"); n != want {
		t.Errorf("%d messages stored, want %d", n, want)
	}
	if n := b.count(t, "SELECT COUNT(*) FROM contacts WHERE tenant_id = ? AND brand_id = ?"); n != 30 {
		t.Errorf("%d contacts, want 30", n)
	}
	if n := b.count(t, "SELECT SUM(inbound_count) FROM contacts WHERE tenant_id = ? AND brand_id = ?"); n != want/2 {
		t.Errorf("inbound total %d, want %d", n, want/2)
	}
	if n := b.count(t, "SELECT COUNT(*) FROM messages WHERE tenant_id = ? AND brand_id = ? AND direction = 'out' AND sender <> 'human'"); n != 0 {
		t.Errorf("%d Page messages not stored as human", n)
	}
	latest, err := jobs.Latest(ctx, b.brand.ID, fixturePage)
	if err != nil || latest.ID != job.ID || latest.Imported != want {
		t.Errorf("latest: %+v %v", latest, err)
	}

	again, err := jobs.Start(ctx, b.brand.ID, fixturePage)
	if err != nil || again.ID == job.ID {
		t.Fatalf("a finished backfill must make room for a new one: %+v %v", again, err)
	}
	again, err = b.run.Run(ctx, again)
	if err != nil || again.Imported != 0 || again.Duplicates != want || again.Threads != 30 {
		t.Fatalf("second run: %+v %v", again, err)
	}
	if n := b.count(t, "SELECT COUNT(*) FROM messages WHERE tenant_id = ? AND brand_id = ?"); n != want {
		t.Errorf("%d messages after the second run, want %d", n, want)
	}
}

// cancelAfterFirstPage is the Graph API until the second page of threads is asked for: then the run is
// cancelled, as a shutdown would.
type cancelAfterFirstPage struct {
	conversations.Graph
	cancel context.CancelFunc
}

func (g cancelAfterFirstPage) Conversations(ctx context.Context, pageID, token, after string, limit int) (meta.ConversationPage, error) {
	if after != "" {
		g.cancel()
		return meta.ConversationPage{}, ctx.Err()
	}
	return g.Graph.Conversations(ctx, pageID, token, after, limit)
}

func TestBackfillResumesFromItsCursor(t *testing.T) {
	b := newBackfillEnv(t)
	b.history(t, 30, 0)
	ctx := context.Background()
	jobs := b.run.Jobs(b.tenant.ID)
	job, err := jobs.Start(ctx, b.brand.ID, fixturePage)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	stopping := conversations.NewBackfiller(b.db, b.in, cancelAfterFirstPage{Graph: b.graph, cancel: cancel}, b.store,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	job, err = stopping.Run(runCtx, job)
	if !errors.Is(err, context.Canceled) || job.Status != conversations.BackfillQueued || job.Threads != 25 || job.Imported != 50 {
		t.Fatalf("stopped run: %+v %v", job, err)
	}
	saved, _ := jobs.Latest(ctx, b.brand.ID, fixturePage)
	if saved.Status != conversations.BackfillQueued || saved.Threads != 25 || saved.Cursor == "" {
		t.Fatalf("saved progress: %+v", saved)
	}

	resumed, err := jobs.Start(ctx, b.brand.ID, fixturePage)
	if err != nil || resumed.ID != job.ID || resumed.Cursor != saved.Cursor {
		t.Fatalf("start after a stop must resume the job: %+v %v", resumed, err)
	}
	// A runner that crashed holds its lease until it lapses; then the job may be taken over.
	if _, err := jobs.Start(ctx, b.brand.ID, fixturePage); !errors.Is(err, conversations.ErrBackfillRunning) {
		t.Fatalf("start under a live lease: %v", err)
	}
	later := time.Now().Add(3 * time.Minute)
	b.run.Now = func() time.Time { return later }
	taken, err := b.run.Jobs(b.tenant.ID).Start(ctx, b.brand.ID, fixturePage)
	if err != nil || taken.ID != job.ID {
		t.Fatalf("take-over after the lease lapsed: %+v %v", taken, err)
	}
	if _, err := b.run.Run(ctx, resumed); !errors.Is(err, conversations.ErrBackfillTakenOver) {
		t.Fatalf("the runner that lost its lease must stop: %v", err)
	}
	done, err := b.run.Run(ctx, taken)
	if err != nil || done.Status != conversations.BackfillDone || done.Threads != 30 || done.Imported != 60 || done.Duplicates != 0 {
		t.Fatalf("resumed run (page one must not be read again): %+v %v", done, err)
	}
}

func TestBackfillFailsOnAnInvalidToken(t *testing.T) {
	b := newBackfillEnv(t)
	ctx := context.Background()
	const page = "104000000000002"
	if _, err := b.store.Tenant(b.tenant.ID).ConnectPage(ctx, b.brand.ID, tenancy.PageInput{PageID: page, Name: "Expired",
		AccessToken: "expired-page-token-000000"}); err != nil {
		t.Fatal(err)
	}
	jobs := b.run.Jobs(b.tenant.ID)
	job, err := jobs.Start(ctx, b.brand.ID, page)
	if err != nil {
		t.Fatal(err)
	}
	job, err = b.run.Run(ctx, job)
	if meta.ClassOf(err) != meta.ClassTokenInvalid || job.Status != conversations.BackfillFailed ||
		!strings.Contains(job.Error, "access token is invalid or expired") || !strings.Contains(job.Error, "Session has expired") {
		t.Fatalf("run with an expired token: %+v %v", job, err)
	}
	saved, _ := jobs.Latest(ctx, b.brand.ID, page)
	if saved.Status != conversations.BackfillFailed || saved.Error != job.Error || saved.FinishedAt == nil {
		t.Errorf("saved failure: %+v", saved)
	}
	// Once the Page is reconnected, a start resumes the failed job.
	again, err := jobs.Start(ctx, b.brand.ID, page)
	if err != nil || again.ID != job.ID || again.Status != conversations.BackfillQueued || again.Error != "" {
		t.Errorf("start after a failure: %+v %v", again, err)
	}
}

func TestBackfillHeartbeatKeepsItsLease(t *testing.T) {
	b := newBackfillEnv(t)
	b.history(t, 2, 250) // the long thread takes two calls for its older messages
	var mu sync.Mutex
	clock := time.Now()
	b.run.Now = func() time.Time { // every look at the clock is 40 s later: each call renews the lease
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(40 * time.Second)
		return clock
	}
	ctx := context.Background()
	job, err := b.run.Jobs(b.tenant.ID).Start(ctx, b.brand.ID, fixturePage)
	if err != nil {
		t.Fatal(err)
	}
	job, err = b.run.Run(ctx, job)
	if err != nil || job.Status != conversations.BackfillDone || job.Imported != 2+251*2 {
		t.Fatalf("run with heartbeats: %+v %v", job, err)
	}
}

// TestBackfillResumeAbandoned: a backfill whose instance stopped is finished by ResumeAbandoned once its lease
// has lapsed, from its cursor, and not before.
func TestBackfillResumeAbandoned(t *testing.T) {
	b := newBackfillEnv(t)
	b.history(t, 30, 0)
	ctx := context.Background()
	job, err := b.run.Jobs(b.tenant.ID).Start(ctx, b.brand.ID, fixturePage)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	stopping := conversations.NewBackfiller(b.db, b.in, cancelAfterFirstPage{Graph: b.graph, cancel: cancel}, b.store,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := stopping.Run(runCtx, job); !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped run: %v", err)
	}
	// Claim it as a live instance would, then let that instance die: nothing to resume while its lease holds.
	if _, err := b.run.Jobs(b.tenant.ID).Start(ctx, b.brand.ID, fixturePage); err != nil {
		t.Fatal(err)
	}
	if n, err := b.run.ResumeAbandoned(ctx); err != nil || n != 0 {
		t.Fatalf("under a live lease: %d resumed, %v", n, err)
	}
	later := time.Now().Add(3 * time.Minute)
	b.run.Now = func() time.Time { return later }
	if n, err := b.run.ResumeAbandoned(ctx); err != nil || n != 1 {
		t.Fatalf("after the lease lapsed: %d resumed, %v", n, err)
	}
	done, _ := b.run.Jobs(b.tenant.ID).Latest(ctx, b.brand.ID, fixturePage)
	if done.ID != job.ID || done.Status != conversations.BackfillDone || done.Threads != 30 || done.Imported != 60 || done.Duplicates != 0 {
		t.Fatalf("resumed job: %+v", done)
	}
	if n, _ := b.run.ResumeAbandoned(ctx); n != 0 {
		t.Errorf("a finished job was resumed again")
	}
}
