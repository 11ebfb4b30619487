package conversations

import (
	"context"
	"fmt"
	"time"
)

// DefaultRetention is how long kept-aside and refused entries stay when ingest.unrouted_retention is unset.
const DefaultRetention = 30 * 24 * time.Hour

// KeepAsideFor sets how long entries kept aside for Pages nobody connected, and deliveries the database
// refused, are kept before PurgeLoop deletes them (ingest.unrouted_retention). Call it before Run.
func (in *Ingester) KeepAsideFor(d time.Duration) { in.retention = d }

// Retention is how long kept-aside entries are kept (ingest.unrouted_retention).
func (in *Ingester) Retention() time.Duration {
	if in.retention <= 0 {
		return DefaultRetention
	}
	return in.retention
}

// PurgeLoop deletes, at start and then every interval until ctx ends, kept-aside and refused entries older
// than the retention, and updates the gauges counting those left. Several instances may run it: a DELETE
// by age is the same whoever runs it.
func (in *Ingester) PurgeLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := in.Purge(ctx, time.Now()); err != nil && ctx.Err() == nil {
			in.log.Warn("purge of kept-aside entries failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Purge deletes the kept-aside and refused entries received before now minus the retention, returns how
// many it deleted, and refreshes the gauges.
func (in *Ingester) Purge(ctx context.Context, now time.Time) (int64, error) {
	cutoff := now.Add(-in.Retention()).UnixMilli()
	var n int64
	for _, q := range []string{"DELETE FROM unrouted_entries WHERE received_at < ?", "DELETE FROM failed_entries WHERE last_at < ?"} {
		res := in.db.W.WithContext(ctx).Exec(q, cutoff)
		if res.Error != nil {
			return n, fmt.Errorf("conversations: purge: %w", res.Error)
		}
		n += res.RowsAffected
	}
	in.m.purged.Add(float64(n))
	var counts struct{ Waiting, Failed int64 }
	if err := in.db.R.WithContext(ctx).Raw(`SELECT (SELECT COUNT(*) FROM unrouted_entries WHERE replayed_at = 0) AS waiting,
		(SELECT COUNT(*) FROM failed_entries) AS failed`).Scan(&counts).Error; err != nil {
		return n, fmt.Errorf("conversations: count kept-aside entries: %w", err)
	}
	in.m.waiting.Set(float64(counts.Waiting))
	in.m.failed.Set(float64(counts.Failed))
	return n, nil
}

// KeptAside is what an agency admin sees of the entries waiting for a Page to be connected.
type KeptAside struct {
	Entries   int64         // waiting, not yet replayed
	Oldest    time.Time     // received first (zero when none)
	Retention time.Duration // deleted after this long
}

// KeptAsideFor counts the entries waiting for a Page nobody connected that came through the agency's own Meta
// apps. Those that came through relance's shared app belong to no agency yet: counting them here would tell
// every agency how much Messenger traffic reaches Pages nobody connected (other agencies' among them), so
// only the operator sees them, in relance_ingest_unrouted_waiting.
func (in *Ingester) KeptAsideFor(ctx context.Context, tenantID string) (KeptAside, error) {
	var row struct {
		N      int64
		Oldest *int64
	}
	if err := in.db.R.WithContext(ctx).Raw(`SELECT COUNT(*) AS n, MIN(received_at) AS oldest FROM unrouted_entries
		WHERE replayed_at = 0 AND tenant_id = ?`, tenantID).Scan(&row).Error; err != nil {
		return KeptAside{}, fmt.Errorf("conversations: kept-aside entries: %w", err)
	}
	k := KeptAside{Entries: row.N, Retention: in.Retention()}
	if row.Oldest != nil && row.N > 0 {
		k.Oldest = time.UnixMilli(*row.Oldest).UTC()
	}
	return k, nil
}
