package campaigns

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"relance/database"
)

// claimBatch is how many queued sends one instance claims at once and calls in parallel. It is also what a
// killed instance leaves in flight: those rows turn unknown after ClaimLease and wait for their echo, as a
// single claimed row would; they are never queued again, so never sent twice.
const claimBatch = 64

// claimSends moves up to n queued sends of the given routes of a run to sending under this instance in one conditional
// UPDATE and returns them. Only queued rows change, in one statement, so two instances never claim the same
// row; on PostgreSQL, rows another instance is claiming at that moment are skipped rather than waited for.
func (s *Store) claimSends(ctx context.Context, runID, instance string, n int, routes []string) ([]sendRow, error) {
	lock := ""
	if s.db.Dialect == database.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	now := s.opts.Now().UnixMilli()
	// The rows are picked in a CTE, evaluated once: PostgreSQL may rescan a LIMIT … SKIP LOCKED subquery of
	// an UPDATE's WHERE and pick other rows each time, claiming more than n.
	rows, err := s.db.W.WithContext(ctx).Raw(`WITH picked AS (SELECT id FROM campaign_sends WHERE run_id = ? AND status = ? AND route IN ?
		ORDER BY id LIMIT ?`+lock+`)
		UPDATE campaign_sends SET status = ?, claimed_by = ?, claimed_at = ?, updated_at = ?
		WHERE id IN (SELECT id FROM picked) AND status = ? RETURNING id, page_id, psid, variant, route, contact_id`,
		runID, SendQueued, routes, n, SendSending, instance, now, now, SendQueued).Rows()
	if err != nil {
		return nil, fmt.Errorf("campaigns: deliver: claim: %w", err)
	}
	defer rows.Close()
	var out []sendRow
	for rows.Next() {
		r := sendRow{RunID: runID}
		if err := rows.Scan(&r.ID, &r.PageID, &r.PSID, &r.Variant, &r.Route, &r.ContactID); err != nil {
			return nil, fmt.Errorf("campaigns: deliver: claim: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("campaigns: deliver: claim: %w", err)
	}
	return out, nil
}

// sentBatch collects the sends whose call answered with a message id, to settle them in one statement.
type sentBatch struct {
	mu   sync.Mutex
	rows [][3]any
}

func (b *sentBatch) add(id, mid string, at int64) {
	b.mu.Lock()
	b.rows = append(b.rows, [3]any{id, mid, at})
	b.mu.Unlock()
}

// settleSent moves the collected sends from sending to sent with their message ids in one UPDATE … FROM.
// Only rows still sending change: an echo that settled one first wins.
func (s *Store) settleSent(ctx context.Context, b *sentBatch) error {
	if len(b.rows) == 0 {
		return nil
	}
	w := s.db.W.WithContext(context.WithoutCancel(ctx))
	now := s.opts.Now().UnixMilli()
	var err error
	if s.db.Dialect == database.Postgres {
		vals := make([]string, len(b.rows))
		args := make([]any, 0, 3*len(b.rows)+3)
		args = append(args, SendSent, now)
		for i, r := range b.rows {
			vals[i] = "(?, ?, CAST(? AS BIGINT))"
			args = append(args, r[0], r[1], r[2])
		}
		err = w.Exec(`UPDATE campaign_sends SET status = ?, updated_at = ?, message_id = v.column2, sent_at = v.column3
			FROM (VALUES `+strings.Join(vals, ", ")+`) AS v WHERE campaign_sends.id = v.column1 AND campaign_sends.status = ?`,
			append(args, SendSending)...).Error
	} else {
		// One JSON parameter, as insertSends does; the unary + keeps SQLite off the status index, so that it
		// walks the document and finds each row by its primary key.
		var doc []byte
		if doc, err = json.Marshal(b.rows); err == nil {
			err = w.Exec(`UPDATE campaign_sends SET status = ?, updated_at = ?, message_id = v.mid, sent_at = v.at
				FROM (SELECT value->>0 AS id, value->>1 AS mid, value->>2 AS at FROM jsonb_each(?)) AS v
				WHERE campaign_sends.id = v.id AND +campaign_sends.status = ?`, SendSent, now, string(doc), SendSending).Error
		}
	}
	b.rows = b.rows[:0]
	if err != nil {
		return fmt.Errorf("campaigns: deliver: settle sent: %w", err)
	}
	return nil
}

// unclaim gives rows this instance claimed but never handed to the Send API back to the queue: nothing
// went, so another pass (or instance) may send them. It runs when a pass stops early (throttled, token
// invalid, context ended).
func (s *Store) unclaim(ctx context.Context, instance string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.db.W.WithContext(context.WithoutCancel(ctx)).Exec(`UPDATE campaign_sends SET status = ?, claimed_by = '', updated_at = ?
		WHERE id IN ? AND status = ? AND claimed_by = ?`, SendQueued, s.opts.Now().UnixMilli(), ids, SendSending, instance).Error
	if err != nil {
		return fmt.Errorf("campaigns: deliver: unclaim: %w", err)
	}
	return nil
}

// deliverClaimed makes the calls of a claimed batch with up to claimBatch calls at once, settles the
// successful ones in one statement, and gives back the rows it never called. stop says the pass must end.
func (s *Store) deliverClaimed(ctx context.Context, c *Campaign, rows []sendRow, calls map[string]routeCall, ro RunOptions) (bool, error) {
	var (
		mu       sync.Mutex
		stop     bool
		firstErr error
		uncalled []string
		sent     sentBatch
		wg       sync.WaitGroup
	)
	next := make(chan sendRow)
	for range min(len(rows), claimBatch) {
		wg.Go(func() {
			for r := range next {
				mu.Lock()
				halt := stop || ctx.Err() != nil
				if halt {
					uncalled = append(uncalled, r.ID)
				}
				mu.Unlock()
				if halt {
					continue
				}
				cc := *c // a copy: pauseFor writes the state, and the pass ends on stop anyway
				st, err := s.deliverOne(ctx, &cc, r, calls, ro, &sent)
				mu.Lock()
				stop = stop || st || err != nil
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	for _, r := range rows {
		next <- r
	}
	close(next)
	wg.Wait()
	if err := s.settleSent(ctx, &sent); err != nil && firstErr == nil {
		firstErr = err
	}
	if err := s.unclaim(ctx, ro.Instance, uncalled); err != nil && firstErr == nil {
		firstErr = err
	}
	if stop && c.State == StateRunning {
		// A worker may have paused the campaign on its copy: read the state back for the caller.
		if got, err := s.Get(context.WithoutCancel(ctx), c.ID); err == nil {
			c.State = got.State
		}
	}
	return stop || ctx.Err() != nil, firstErr
}
