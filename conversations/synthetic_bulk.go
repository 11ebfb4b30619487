package conversations

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"relance/database"
)

// Bulk loading. Audience benchmarks need brands with a million contacts and ten million messages, seeded through
// the ingester in minutes. Most indexes of the conversation tables grow at their end during such a load (PSIDs,
// mids and dedup keys rise with the contacts), but the secondary indexes of contacts and contact_entities are
// keyed by times and entities, so every batch writes into pages all over them and the cost of a batch grows
// with the table. BulkLoad drops those few indexes for the load and creates them again afterwards from their
// saved definitions (a sort, much cheaper than a million scattered inserts). Unique indexes stay: the ingester's
// ON CONFLICT clauses need them.

// bulkTables are the tables whose non-unique indexes BulkLoad defers.
var bulkTables = []string{"contacts", "contact_entities"}

// BulkLoad readies an SQLite database for a large load through the ingester: it drops the secondary indexes of
// contacts and contact_entities, and gives the single writer connection a 1 GiB page cache and a larger WAL
// between checkpoints. The returned function creates the indexes again, restores the settings and folds the
// WAL into the database file; call it even when the load failed (a process killed in between leaves the
// indexes missing: queries stay correct but slow). Readers meanwhile see the same data, only slower.
// On PostgreSQL it does nothing.
func BulkLoad(ctx context.Context, db *database.DB) (func() error, error) {
	if db.Dialect != database.SQLite {
		return func() error { return nil }, nil
	}
	w := db.W.WithContext(ctx)
	var cache, ckpt int64
	if err := w.Raw("PRAGMA cache_size").Row().Scan(&cache); err != nil {
		return nil, fmt.Errorf("conversations: bulk load: %w", err)
	}
	if err := w.Raw("PRAGMA wal_autocheckpoint").Row().Scan(&ckpt); err != nil {
		return nil, fmt.Errorf("conversations: bulk load: %w", err)
	}
	var defs []struct{ Name, SQL string }
	if err := w.Raw(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name IN ? AND sql IS NOT NULL
		AND upper(sql) NOT LIKE 'CREATE UNIQUE%' ORDER BY name`, bulkTables).Scan(&defs).Error; err != nil {
		return nil, fmt.Errorf("conversations: bulk load: %w", err)
	}
	restore := func() error {
		w := db.W.WithContext(context.Background())
		var errs []string
		for _, d := range defs {
			q := strings.Replace(d.SQL, "CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
			if err := w.Exec(q).Error; err != nil {
				errs = append(errs, fmt.Sprintf("index %s (%s): %v", d.Name, d.SQL, err))
			}
		}
		for _, p := range []string{fmt.Sprintf("PRAGMA cache_size = %d", cache), fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", ckpt)} {
			if err := w.Exec(p).Error; err != nil {
				errs = append(errs, err.Error())
			}
		}
		var busy, frames, done int64
		if err := w.Raw("PRAGMA wal_checkpoint(TRUNCATE)").Row().Scan(&busy, &frames, &done); err != nil {
			errs = append(errs, "checkpoint: "+err.Error())
		}
		if len(errs) > 0 {
			return fmt.Errorf("conversations: after bulk load: %s", strings.Join(errs, "; "))
		}
		return nil
	}
	for _, p := range []string{"PRAGMA cache_size = -1048576", "PRAGMA wal_autocheckpoint = 65536"} {
		if err := w.Exec(p).Error; err != nil {
			return nil, fmt.Errorf("conversations: bulk load: %w", err)
		}
	}
	for i, d := range defs {
		if err := w.Exec(`DROP INDEX "` + d.Name + `"`).Error; err != nil {
			defs = defs[:i]
			return nil, errors.Join(fmt.Errorf("conversations: bulk load: %w", err), restore())
		}
	}
	return restore, nil
}
