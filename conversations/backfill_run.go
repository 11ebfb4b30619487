package conversations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"relance/database"
	"relance/meta"
	"relance/tenancy"
)

// Graph is what a backfill needs of Meta: a Page's conversations and a thread's older messages.
type Graph interface {
	Conversations(ctx context.Context, pageID, token, after string, limit int) (meta.ConversationPage, error)
	ConversationMessages(ctx context.Context, conversationID, token, after string, limit int) (meta.MessagePage, error)
}

// Page sizes of the calls: 25 threads (each already carrying its 100 newest messages), then 100 older
// messages at a time, the most Meta serves per call.
const (
	backfillThreadsPerCall  = 25
	backfillMessagesPerCall = 100
)

// Backfiller runs history backfills: it reads a Page's threads through the Conversations API and stores
// their messages through the ingester, exactly as an import of the same history would.
type Backfiller struct {
	db    *database.DB
	in    *Ingester
	graph Graph
	store *tenancy.Store
	log   *slog.Logger
	// Now is the clock of the jobs' leases and times (tests move it).
	Now func() time.Time
}

// NewBackfiller builds a runner; store opens the Pages' access tokens.
func NewBackfiller(db *database.DB, in *Ingester, graph Graph, store *tenancy.Store, log *slog.Logger) *Backfiller {
	return &Backfiller{db: db, in: in, graph: graph, store: store, log: log, Now: time.Now}
}

// Jobs returns the tenant's backfill jobs on the runner's clock.
func (r *Backfiller) Jobs(tenantID string) *Backfills { return NewBackfills(r.db, tenantID, r.Now) }

// Run performs a job that Start claimed, from its cursor, and returns it as it ended. Progress (counts and
// the cursor of the next page of threads) is saved after every page, so a run that crashes or is stopped
// resumes there: a page half done is read again and its messages count as duplicates. Cancelling ctx puts
// the job back to queued; a Meta error the client did not cure by retrying fails it with the reason.
func (r *Backfiller) Run(ctx context.Context, job Backfill) (Backfill, error) {
	jobs := r.Jobs(job.TenantID)
	job.Status, job.Error = BackfillRunning, ""
	if err := jobs.save(ctx, &job); err != nil {
		return job, err
	}
	pages := map[string]bool{job.PageID: true}
	beat := r.Now()
	heartbeat := func() error {
		if r.Now().Sub(beat) < backfillLease/4 {
			return nil
		}
		beat = r.Now()
		return jobs.touch(ctx, &job)
	}
	for {
		// The token is opened again for every page: a Page reconnected with a new token mid-run is read with
		// it, and one disconnected stops the run instead of filling the kept-aside entries.
		token, err := r.store.Tenant(job.TenantID).PageToken(ctx, job.PageID)
		if err != nil {
			return r.stop(ctx, jobs, job, fmt.Errorf("open the Page's access token: %w", err))
		}
		cp, err := r.graph.Conversations(ctx, job.PageID, token, job.Cursor, backfillThreadsPerCall)
		if err != nil {
			return r.stop(ctx, jobs, job, err)
		}
		var counts Backfill // this page's counts land together with its cursor
		counts.TenantID, counts.PageID = job.TenantID, job.PageID
		for _, conv := range cp.Data {
			if err := r.thread(ctx, &counts, token, conv, pages, heartbeat); err != nil {
				return r.stop(ctx, jobs, job, err)
			}
		}
		job.Threads += counts.Threads
		job.Messages += counts.Messages
		job.Imported += counts.Imported
		job.Duplicates += counts.Duplicates
		job.Skipped += counts.Skipped
		next := cp.Paging.Cursors.After
		if len(cp.Data) == 0 || cp.Paging.Next == "" || next == "" {
			job.Status, job.Cursor = BackfillDone, ""
			return job, jobs.save(ctx, &job)
		}
		job.Cursor = next
		if err := jobs.save(ctx, &job); err != nil {
			return r.stop(ctx, jobs, job, err) // a stop during the save still leaves the job resumable
		}
		beat = r.Now()
	}
}

// thread stores one conversation: the messages it came with, then its older ones page by page.
func (r *Backfiller) thread(ctx context.Context, job *Backfill, token string, conv meta.Conversation, pages map[string]bool, heartbeat func() error) error {
	psid := ""
	for _, p := range conv.Participants.Data {
		if p.ID != job.PageID {
			psid = p.ID
		}
	}
	msgs, paging := conv.Messages.Data, conv.Messages.Paging
	for {
		if err := r.storeMessages(ctx, job, psid, msgs, pages); err != nil {
			return err
		}
		if paging.Next == "" || paging.Cursors.After == "" || len(msgs) == 0 {
			break
		}
		mp, err := r.graph.ConversationMessages(ctx, conv.ID, token, paging.Cursors.After, backfillMessagesPerCall)
		if err != nil {
			return err
		}
		if err := heartbeat(); err != nil {
			return err
		}
		msgs, paging = mp.Data, mp.Paging
	}
	job.Threads++
	return nil
}

// storeMessages imports one page of a thread's messages and adds the counts to the job.
func (r *Backfiller) storeMessages(ctx context.Context, job *Backfill, psid string, msgs []meta.ConvMessage, pages map[string]bool) error {
	recs := make([]ImportRecord, 0, len(msgs))
	for _, m := range msgs {
		recs = append(recs, backfillRecord(job.PageID, psid, m))
	}
	res, err := r.in.importRecords(ctx, job.TenantID, recs, pages)
	job.Messages += int64(len(msgs))
	job.Imported += int64(res.Imported)
	job.Duplicates += int64(res.Duplicates)
	job.Skipped += int64(len(res.Errors))
	if len(res.Errors) > 0 {
		r.log.Warn("backfill skipped messages", "page", job.PageID, "skipped", len(res.Errors), "first", res.Errors[0].Message)
	}
	return err
}

// backfillRecord turns a Conversations API message into an import record. A message from anyone but the
// Page is inbound. One from the Page is stored as sent by a human: the API does not say who wrote it, and
// the ones relance's own bot sent are already stored from their echo webhooks under the same mid (the first
// stored copy wins), so what is left was typed in the Page Inbox or sent by another tool.
func backfillRecord(pageID, psid string, m meta.ConvMessage) ImportRecord {
	rec := ImportRecord{PageID: pageID, PSID: psid, MID: m.ID, Text: m.Message, Direction: "in"}
	if m.From.ID == pageID {
		rec.Direction, rec.Sender = "out", SenderHuman
		for _, to := range m.To.Data {
			if to.ID != pageID && to.ID != "" {
				rec.PSID = to.ID
			}
		}
	} else if m.From.ID != "" {
		rec.PSID = m.From.ID
	}
	at := m.CreatedTime
	if t, err := time.Parse("2006-01-02T15:04:05-0700", m.CreatedTime); err == nil {
		at = t.UTC().Format(time.RFC3339)
	}
	rec.SentAt = []byte(strconv.Quote(at))
	return rec
}

// stop ends a run on err: back to queued when it was stopped (ctx cancelled, ingester shutting down), so the
// next start resumes it; failed with a reason a person can act on otherwise.
func (r *Backfiller) stop(ctx context.Context, jobs *Backfills, job Backfill, err error) (Backfill, error) {
	// The run's ctx may be the cancelled one: the job's state must still be written.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if errors.Is(err, ErrBackfillTakenOver) {
		return job, err // the job is another runner's now: leave its row alone
	}
	if ctx.Err() != nil || errors.Is(err, ErrStopped) {
		job.Status = BackfillQueued
		if serr := jobs.save(sctx, &job); serr != nil {
			return job, serr
		}
		return job, fmt.Errorf("conversations: backfill stopped: %w", err)
	}
	job.Status, job.Error = BackfillFailed, backfillReason(err)
	if serr := jobs.save(sctx, &job); serr != nil {
		return job, serr
	}
	r.log.Warn("backfill failed", "page", job.PageID, "job", job.ID, "err", err)
	return job, fmt.Errorf("conversations: backfill: %w", err)
}

// backfillReason says what went wrong and what to do about it.
func backfillReason(err error) string {
	switch meta.ClassOf(err) {
	case meta.ClassTokenInvalid:
		return "the Page's access token is invalid or expired: connect the Page again with a new token, then resume (" + err.Error() + ")"
	case meta.ClassPermission:
		return "the Page's token lacks a permission the Conversations API needs (pages_messaging, pages_read_engagement): " +
			"fix the app or the Page's tasks, then resume (" + err.Error() + ")"
	case meta.ClassThrottled:
		return "Meta's rate limit held after retries: resume later (" + err.Error() + ")"
	}
	if errors.Is(err, tenancy.ErrNotFound) {
		return "the Page is no longer connected"
	}
	if errors.Is(err, tenancy.ErrDecrypt) {
		return "the Page's access token cannot be decrypted with this instance's secret key: connect the Page again"
	}
	return err.Error()
}
