package database_test

import (
	"context"
	"testing"

	"relance/database"
	"relance/internal/testdb"
)

// TestOptimizeRecordsStatistics runs Optimize on a migrated database; on SQLite the planner's table holds
// rows afterwards.
func TestOptimizeRecordsStatistics(t *testing.T) {
	db := testdb.Open(t)
	ctx := context.Background()
	if err := db.W.Exec("INSERT INTO tenants (id, name, slug, created_at) VALUES ('t1', 'A', 'a', CURRENT_TIMESTAMP)").Error; err != nil {
		t.Fatal(err)
	}
	if got := db.StatsMissing(ctx); got != (db.Dialect == database.SQLite) {
		t.Errorf("before Optimize, StatsMissing = %v on %s", got, db.Dialect)
	}
	if err := db.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	if db.StatsMissing(ctx) {
		t.Error("after Optimize, StatsMissing is still true")
	}
	if db.Dialect == database.SQLite {
		var n int64
		if err := db.R.Raw("SELECT COUNT(*) FROM sqlite_stat1").Scan(&n).Error; err != nil || n == 0 {
			t.Errorf("no statistics after Optimize: %d rows, %v", n, err)
		}
	}
}
