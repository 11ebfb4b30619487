package conversations

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"relance/database"
	"relance/tenancy"
)

// pagePSID prefixes the PSID slot of events that concern the Page, not a user.
const pagePSID = "page:"

// ErrStopped means the ingester is shutting down and took nothing.
var ErrStopped = errors.New("conversations: ingester stopped")

// ErrRefused means the database refused a delivery even when written alone: a value in it cannot be stored.
// Its batch-mates were committed; see RefusedError.
var ErrRefused = errors.New("conversations: the database refused this delivery")

// RefusedError is a delivery the database refused on its own. Kept says how many of its entries were kept
// in failed_entries for inspection (imports carry no raw entries: their lines are reported instead).
type RefusedError struct {
	Cause error
	Kept  int
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%v (%d entries kept for inspection): %v", ErrRefused, e.Kept, e.Cause)
}

// Unwrap lets errors.Is find ErrRefused and the cause.
func (e *RefusedError) Unwrap() []error { return []error{ErrRefused, e.Cause} }

// Result says what happened to one submission once its transaction committed.
type Result struct {
	Stored     int // new events written
	Duplicates int // events already stored (a retried delivery)
	Unrouted   int // entries kept aside for Pages nobody connected
	Refused    int // entries for Pages of another agency than the app's (an agency's own app)
	// NotConnected lists (by index in the submission) entries without raw JSON (imports, backfills) whose
	// Page is connected to no brand any more: they are neither stored nor kept aside, and the importer
	// reports their lines (kept aside, they would have been lost: there is no webhook body to replay).
	NotConnected []int
}

// Ingester writes webhook events in batches: every submission waits in a queue, one goroutine takes all that
// is waiting, writes it in one transaction (group commit) and only then answers each submitter. Meta gets its
// 200 after the commit that holds its events, and a burst of deliveries costs one fsync, not one each.
type Ingester struct {
	db       *database.DB
	vault    *tenancy.Vault
	routes   *pageRoutes
	dialect  sqlDialect
	queue    chan *submission
	maxBatch int
	writers  int
	log      *slog.Logger
	m        *ingestMetrics
	stopped  chan struct{}
	// retention bounds how long kept-aside and refused entries stay (see KeepAsideFor).
	retention time.Duration
	// foldEvery, when set, defers contact aggregates to a fold (see FoldEvery); dirty says rows may be queued.
	foldEvery time.Duration
	dirty     atomic.Bool
	// observer, when set, derives facts from each batch's new user events in its transaction (see Observe).
	observer Observer
}

// Observed is a user's event a batch stored for the first time (a message, a postback, a referral or an opt-in).
type Observed struct {
	TenantID, BrandID string
	Event             *Event
}

// Observer derives facts from a batch's new user events inside the transaction that stores them, so that
// they commit together or not at all (attribution). It runs before the batch updates the contacts or queues
// their deltas, so LastInteractions gives each user's previous event. An error fails the batch.
type Observer func(ctx context.Context, tx *gorm.DB, events []Observed) error

// Observe sets the observer; call it before Run.
func (in *Ingester) Observe(o Observer) { in.observer = o }

// submission is one delivery waiting for its commit; tenant, when set, is the only agency it may write to.
type submission struct {
	entries []Entry
	tenant  string
	done    chan submitResult
}

type submitResult struct {
	res Result
	err error
}

// NewIngester prepares an ingester writing up to maxBatch events per transaction; Run must be running for
// Submit to return.
func NewIngester(db *database.DB, vault *tenancy.Vault, reg prometheus.Registerer, log *slog.Logger, maxBatch int) *Ingester {
	writers := 1
	if db.Dialect == database.Postgres {
		writers = postgresWriters
	}
	return &Ingester{db: db, vault: vault, routes: newPageRoutes(db), dialect: dialectOf(db),
		queue: make(chan *submission, 4096), maxBatch: maxBatch, writers: writers, log: log, m: newIngestMetrics(reg),
		stopped: make(chan struct{})}
}

// postgresWriters is how many group commits run at once on PostgreSQL. One at a time, the batch waits for
// every round trip and the commit's WAL flush while the server's other cores idle; several overlap them.
// They cannot deadlock: each writes its tables in the same order, and each table's rows in key order.
// SQLite has one writer connection, so one writer.
const postgresWriters = 4

// Submit queues the entries and waits until they are committed (or ctx ends, in which case the events may
// still be written: Meta's retry is then deduplicated).
func (in *Ingester) Submit(ctx context.Context, entries []Entry) (Result, error) {
	return in.SubmitFor(ctx, "", entries)
}

// SubmitFor is Submit for a delivery that may only write to one agency's Pages (a webhook of an app that
// agency registered): entries for anyone else's Pages are refused and counted, not stored nor kept aside.
func (in *Ingester) SubmitFor(ctx context.Context, tenantID string, entries []Entry) (Result, error) {
	s := &submission{entries: entries, tenant: tenantID, done: make(chan submitResult, 1)}
	select {
	case in.queue <- s:
	case <-in.stopped:
		return Result{}, ErrStopped
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	select {
	case r := <-s.done:
		return r.res, r.err
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// Run writes batches until ctx ends, then drains what is already queued.
func (in *Ingester) Run(ctx context.Context) {
	defer close(in.stopped)
	var wg sync.WaitGroup
	for range in.writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in.loop(ctx)
		}()
	}
	if in.foldEvery <= 0 {
		wg.Wait()
		return
	}
	stop, folded := make(chan struct{}), make(chan struct{})
	go func() { in.foldLoop(stop); close(folded) }()
	wg.Wait()
	close(stop)
	<-folded
}

// loop is one writer: it takes what is waiting, writes it in one transaction, and starts again.
func (in *Ingester) loop(ctx context.Context) {
	for {
		var first *submission
		select {
		case first = <-in.queue:
		case <-ctx.Done():
			in.drain()
			return
		}
		in.writeBatch(in.collect(first))
	}
}

// drain writes submissions queued before the stop, so that no submitter waits forever.
func (in *Ingester) drain() {
	for {
		select {
		case s := <-in.queue:
			in.writeBatch(in.collect(s))
		default:
			return
		}
	}
}

// collect takes the first submission and everything else already waiting, up to maxBatch events.
func (in *Ingester) collect(first *submission) []*submission {
	batch := []*submission{first}
	n := countEvents(first.entries)
	for n < in.maxBatch {
		select {
		case s := <-in.queue:
			batch = append(batch, s)
			n += countEvents(s.entries)
		default:
			return batch
		}
	}
	return batch
}

func countEvents(entries []Entry) int {
	n := 0
	for _, e := range entries {
		n += len(e.Events) + 1
	}
	return n
}

// writeBatch writes the batch in one transaction and answers every submitter. When that transaction fails,
// the batch is split and each half written on its own, down to single deliveries (isolate), so that one
// delivery the database refuses fails alone and its batch-mates are committed.
func (in *Ingester) writeBatch(batch []*submission) {
	start := time.Now()
	events := 0
	for _, s := range batch {
		events += countEvents(s.entries)
	}
	in.isolate(batch)
	in.m.batchSize.Observe(float64(events))
	in.m.commit.Observe(time.Since(start).Seconds())
}

// isolate writes batch in one transaction and answers its submitters; on failure it writes each half alone.
// A failure that is not about the rows (the database gone, a timeout) is answered to all at once instead:
// splitting would only multiply the waiting.
func (in *Ingester) isolate(batch []*submission) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	results, err := in.write(ctx, batch)
	// A deadlock or serialization failure between concurrent writers is nobody's bad row: write it again.
	for try := 0; try < 3 && lockConflict(err); try++ {
		results, err = in.write(ctx, batch)
	}
	cancel()
	if err == nil {
		for i, s := range batch {
			s.done <- submitResult{res: results[i]}
		}
		return
	}
	in.m.failures.Inc()
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		in.log.Error("ingest batch failed", "err", err, "submissions", len(batch))
		for _, s := range batch {
			s.done <- submitResult{err: err}
		}
		return
	}
	if len(batch) > 1 {
		in.isolate(batch[:len(batch)/2])
		in.isolate(batch[len(batch)/2:])
		return
	}
	in.refuse(batch[0], err)
}

// refuse answers a delivery the database refused on its own, after keeping its entries for inspection.
func (in *Ingester) refuse(s *submission, cause error) {
	in.m.refused.Inc()
	kept, err := in.keepFailed(s, cause)
	if err != nil {
		// The database takes nothing at all (it is gone, most likely): not this delivery's fault.
		in.log.Error("ingest batch failed", "err", cause, "keep", err)
		s.done <- submitResult{err: fmt.Errorf("conversations: write batch: %w", cause)}
		return
	}
	in.log.Error("delivery refused by the database", "err", cause, "entries", len(s.entries), "kept", kept)
	s.done <- submitResult{err: &RefusedError{Cause: cause, Kept: kept}}
}

// keepFailed stores the raw entries of a refused delivery in failed_entries (entries that came without raw
// JSON, from imports, are reported to their importer instead) and returns how many it kept.
func (in *Ingester) keepFailed(s *submission, cause error) (int, error) {
	now := time.Now().UnixMilli()
	msg := cause.Error()
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	n := 0
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := in.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, e := range s.entries {
			if len(e.Raw) == 0 {
				continue
			}
			body := strings.ToValidUTF8(strings.ReplaceAll(string(e.Raw), "\x00", ""), "\uFFFD")
			if err := tx.Exec(`INSERT INTO failed_entries (page_id, tenant_id, body_hash, body, error, received_at, last_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (body_hash) DO UPDATE SET attempts = failed_entries.attempts + 1,
				error = excluded.error, last_at = excluded.last_at`,
				strings.ToValidUTF8(e.PageID, ""), s.tenant, shortHash([]byte(s.tenant+"\x00"+body)), body,
				strings.ToValidUTF8(strings.ReplaceAll(msg, "\x00", ""), "?"), now, now).Error; err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("conversations: keep failed entries: %w", err)
	}
	return n, nil
}

// write routes, deduplicates and stores the batch; results are per submission.
func (in *Ingester) write(ctx context.Context, batch []*submission) ([]Result, error) {
	var pageIDs []string
	seen := map[string]bool{}
	for _, s := range batch {
		for _, e := range s.entries {
			if !seen[e.PageID] {
				seen[e.PageID] = true
				pageIDs = append(pageIDs, e.PageID)
			}
		}
	}
	routes, err := in.routes.lookup(ctx, pageIDs)
	if err != nil {
		return nil, err
	}
	type owned struct {
		r   *routed
		sub int
	}
	var msgs, evs, otherApps []*routed
	var all []owned
	var unrouted []unroutedRow
	results := make([]Result, len(batch))
	now := time.Now().UnixMilli()
	for i, s := range batch {
		for k, e := range s.entries {
			rt, ok := routes[e.PageID]
			if ok && s.tenant != "" && rt.TenantID != s.tenant {
				results[i].Refused++
				in.m.rejected.WithLabelValues("foreign_page").Inc()
				continue
			}
			if !ok && len(e.Raw) == 0 {
				results[i].NotConnected = append(results[i].NotConnected, k)
				continue
			}
			if !ok {
				unrouted = append(unrouted, unroutedRow{pageID: e.PageID, tenant: s.tenant, body: string(e.Raw), at: now})
				results[i].Unrouted++
				continue
			}
			for j := range e.Events {
				ev := e.Events[j]
				if ev.PSID == "" || ev.PSID == ev.PageID {
					ev.PSID = pagePSID + ev.PageID // app_roles and other Page-level events have no user
				}
				r := &routed{Event: ev, route: rt}
				if (ev.Kind == KindMessage || ev.Kind == KindEcho) && ev.MID == "" {
					// Parse names every message it reads; this is for events built elsewhere. The name is the
					// event's own, never its entry's: two messages of one entry must not share it.
					r.Event.MID = "nomid:" + shortHash([]byte(ev.Kind+"\x00"+ev.PSID+"\x00"+strconv.FormatInt(ev.At, 10)+"\x00"+ev.Text))
				}
				r.key = dedupKey(&r.Event)
				if ev.Kind == KindMessage || ev.Kind == KindEcho {
					if ev.Kind == KindEcho && ev.Sender == SenderApp {
						otherApps = append(otherApps, r)
					}
					msgs = append(msgs, r)
				} else {
					evs = append(evs, r)
				}
				all = append(all, owned{r, i})
			}
		}
	}
	if err := in.ourEchoes(ctx, otherApps); err != nil {
		return nil, err
	}
	// Key order is a lock order: concurrent writers (PostgreSQL) inserting the same retried delivery wait for
	// each other instead of deadlocking.
	sort.Slice(msgs, func(i, j int) bool { return lessRouted(msgs[i], msgs[j], msgs[i].MID, msgs[j].MID) })
	sort.Slice(evs, func(i, j int) bool { return lessRouted(evs[i], evs[j], evs[i].key, evs[j].key) })
	err = in.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		tx = in.db.Cached(tx) // fixed statement texts, prepared once on SQLite
		freshMsgs, err := insertMessages(tx, in.dialect, dedupe(msgs, func(r *routed) string { return r.MID }))
		if err != nil {
			return err
		}
		freshEvs, err := insertEvents(tx, in.dialect, dedupe(evs, func(r *routed) string { return r.key }))
		if err != nil {
			return err
		}
		deltas := map[contactKey]*delta{}
		var order []*delta
		var observed []Observed
		for i := range results {
			results[i].Stored, results[i].Duplicates = 0, 0
		}
		for _, o := range all {
			k := o.r.BrandID + "|" + o.r.PageID + "|"
			fresh := false
			if o.r.Kind == KindMessage || o.r.Kind == KindEcho {
				k += o.r.MID
				fresh = freshMsgs[k]
				delete(freshMsgs, k) // the same mid twice in one batch counts once
			} else {
				k += o.r.key
				fresh = freshEvs[k]
				delete(freshEvs, k)
			}
			if !fresh {
				results[o.sub].Duplicates++
				continue
			}
			results[o.sub].Stored++
			if strings.HasPrefix(o.r.PSID, pagePSID) {
				continue // a Page-level event (app roles): stored, but nobody's contact
			}
			d := deltas[o.r.contact()]
			if d == nil {
				d = &delta{key: o.r.contact()}
				deltas[o.r.contact()] = d
				order = append(order, d)
			}
			d.fold(&o.r.Event, in.vault)
			if in.observer != nil && (o.r.Kind == KindMessage || o.r.Kind == KindPostback || o.r.Kind == KindReferral || o.r.Kind == KindOptin) {
				observed = append(observed, Observed{TenantID: o.r.TenantID, BrandID: o.r.BrandID, Event: &o.r.Event})
			}
		}
		if len(observed) > 0 {
			if err := in.observer(ctx, tx, observed); err != nil {
				return err
			}
		}
		if in.foldEvery > 0 {
			err = enqueueDeltas(tx, in.dialect, order)
		} else {
			err = upsertContacts(tx, in.dialect, order)
		}
		if err != nil {
			return err
		}
		return insertUnrouted(tx, in.dialect, unrouted)
	})
	if err != nil {
		return nil, fmt.Errorf("conversations: write batch: %w", err)
	}
	if in.foldEvery > 0 {
		in.dirty.Store(true) // before the submitters hear of the commit: their Fold must see these rows
	}
	for _, r := range results {
		in.m.stored.Add(float64(r.Stored))
		in.m.duplicates.Add(float64(r.Duplicates))
		in.m.unrouted.Add(float64(r.Unrouted))
	}
	return results, nil
}

// ourEchoes marks as the bot's the echoes sent by a Meta app that the Page's own agency registered: Parse
// only knows the app the delivery came through, and an entry kept aside is replayed through relance's.
func (in *Ingester) ourEchoes(ctx context.Context, echoes []*routed) error {
	if len(echoes) == 0 {
		return nil
	}
	ids := make([]string, 0, len(echoes))
	for _, r := range echoes {
		ids = append(ids, r.AppID)
	}
	var rows []struct{ AppID, TenantID string }
	if err := in.db.R.WithContext(ctx).Raw("SELECT app_id, tenant_id FROM meta_apps WHERE app_id IN ?", ids).Scan(&rows).Error; err != nil {
		return fmt.Errorf("conversations: registered apps: %w", err)
	}
	owner := make(map[string]string, len(rows))
	for _, r := range rows {
		owner[r.AppID] = r.TenantID
	}
	for _, r := range echoes {
		if t, ok := owner[r.AppID]; ok && t == r.TenantID {
			r.Sender = SenderBot
		}
	}
	return nil
}

// lessRouted orders rows by brand, Page and key (the unique index's order).
func lessRouted(a, b *routed, ka, kb string) bool {
	if a.BrandID != b.BrandID {
		return a.BrandID < b.BrandID
	}
	if a.PageID != b.PageID {
		return a.PageID < b.PageID
	}
	return ka < kb
}

// dedupe drops repeats of a key within one batch (the same retry twice in a burst).
func dedupe(rows []*routed, key func(*routed) string) []*routed {
	seen := make(map[string]bool, len(rows))
	out := rows[:0:0]
	for _, r := range rows {
		k := r.BrandID + "|" + r.PageID + "|" + key(r)
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

// unroutedRow is an entry kept aside; tenant is set when it came through an agency's own app.
type unroutedRow struct {
	pageID, tenant, body string
	at                   int64
}

func insertUnrouted(tx *gorm.DB, d sqlDialect, rows []unroutedRow) error {
	vals := make([][]any, 0, len(rows))
	for _, r := range rows {
		vals = append(vals, []any{r.pageID, r.tenant, r.at, r.body})
	}
	if err := d.bulkInsert(tx, "unrouted_entries", []string{"page_id", "tenant_id", "received_at", "body"}, vals, "", nil); err != nil {
		return fmt.Errorf("conversations: keep unrouted entries: %w", err)
	}
	return nil
}

// shortHash fingerprints raw JSON for dedup keys of events that carry no id.
func shortHash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}
