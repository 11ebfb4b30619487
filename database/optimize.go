package database

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Optimize refreshes the planner's statistics. SQLite keeps none until asked, and without them a wide
// index with the right first columns can look better than a primary key: at a million contacts, loading 20
// contacts by id chose a walk over the whole brand (4.3 s instead of 0.5 ms). analysis_limit samples each
// index, so a 9 GB database is analyzed in about 25 s. PostgreSQL's autovacuum analyzes on its own; an
// explicit ANALYZE only shortens the wait after a bulk load.
func (db *DB) Optimize(ctx context.Context) error {
	w := db.W.WithContext(ctx)
	if db.Dialect == SQLite {
		if err := w.Exec("PRAGMA analysis_limit = 1000").Error; err != nil {
			return fmt.Errorf("database: optimize: %w", err)
		}
	}
	if err := w.Exec("ANALYZE").Error; err != nil {
		return fmt.Errorf("database: optimize: %w", err)
	}
	return nil
}

// OptimizeEvery runs Optimize at each interval until ctx ends, logging failures. It also runs at once when
// now is true: the caller says so when the statistics are missing or stale (a fresh database, a migration
// that changed indexes). Otherwise a start does not pay for it: on SQLite, ANALYZE holds the single writer
// connection, and webhooks would wait behind it for as long as it takes (25 s on a 9 GB database).
func (db *DB) OptimizeEvery(ctx context.Context, every time.Duration, now bool, log *slog.Logger) {
	first := every
	if now {
		first = 0
	}
	t := time.NewTimer(first)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			start := time.Now()
			if err := db.Optimize(ctx); err != nil && ctx.Err() == nil {
				log.Warn("database statistics not refreshed", "err", err)
			} else if ctx.Err() == nil {
				log.Debug("database statistics refreshed", "took", time.Since(start))
			}
			t.Reset(every)
		}
	}
}

// StatsMissing reports whether the planner has no statistics at all (SQLite before its first ANALYZE).
// PostgreSQL keeps its own, so it never reports them missing.
func (db *DB) StatsMissing(ctx context.Context) bool {
	if db.Dialect != SQLite {
		return false
	}
	var n int64
	if err := db.R.WithContext(ctx).Raw("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").Scan(&n).Error; err != nil {
		return true
	}
	return n == 0
}
