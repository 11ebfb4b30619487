package conversations

import (
	"context"
	"fmt"
	"time"
)

// ReplayLoop replays, every interval until ctx ends, the entries kept aside for Pages that a brand has since
// connected (on any instance). Replays go through the normal write path, so an entry replayed twice (two
// instances, or a crash between the write and the mark) is deduplicated like any retry.
func (in *Ingester) ReplayLoop(ctx context.Context, every time.Duration, o ParseOptions) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := in.Replay(ctx, o); err != nil && ctx.Err() == nil {
				in.log.Warn("replay of unrouted entries failed", "err", err)
			}
		}
	}
}

// Replay stores the kept-aside entries of Pages connected with Meta's confirmation and returns how many it
// replayed.
func (in *Ingester) Replay(ctx context.Context, o ParseOptions) (int, error) {
	var rows []struct {
		ID       int64
		PageID   string
		TenantID string
		Body     string
	}
	// An entry from an agency's own app waits until that agency connects the Page, whoever else does. Entries
	// go only to a holder Meta confirmed (verified_at): a Page connected before that check does not get them.
	err := in.db.R.WithContext(ctx).Raw(`SELECT u.id, u.page_id, u.tenant_id, u.body FROM unrouted_entries u
		WHERE u.replayed_at = 0 AND EXISTS (SELECT 1 FROM pages p WHERE p.page_id = u.page_id
			AND p.verified_at IS NOT NULL AND (u.tenant_id = '' OR p.tenant_id = u.tenant_id))
		ORDER BY u.id LIMIT 500`).Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	for _, r := range rows {
		in.routes.Forget(r.PageID)
	}
	done := 0
	for _, r := range rows {
		entries, err := Parse([]byte(`{"object":"page","entry":[`+r.Body+`]}`), o)
		if err == nil {
			if _, err = in.SubmitFor(ctx, r.TenantID, entries); err != nil {
				return done, fmt.Errorf("conversations: replay entry %d: %w", r.ID, err)
			}
		} else {
			in.log.Warn("unrouted entry cannot be parsed; marked replayed", "id", r.ID, "err", err)
		}
		if err := in.db.W.WithContext(ctx).Exec("UPDATE unrouted_entries SET replayed_at = ? WHERE id = ?",
			time.Now().UnixMilli(), r.ID).Error; err != nil {
			return done, fmt.Errorf("conversations: mark replayed: %w", err)
		}
		done++
	}
	return done, nil
}
