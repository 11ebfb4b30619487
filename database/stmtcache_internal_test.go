package database

import (
	"path/filepath"
	"testing"
	"time"

	"gorm.io/gorm"
)

// TestCachedStatementsAreReused: a statement run through Cached is prepared once in the background and then
// reused by later transactions of the writer, which still commit and roll back as their own; a failing
// statement fails its transaction only.
func TestCachedStatementsAreReused(t *testing.T) {
	db, err := Open("sqlite://"+filepath.Join(t.TempDir(), "r.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.W.Exec("CREATE TABLE t (v INTEGER PRIMARY KEY)").Error; err != nil {
		t.Fatal(err)
	}
	const insert = "INSERT INTO t (v) SELECT value FROM json_each(?)"
	write := func(doc string) error {
		return db.W.Transaction(func(tx *gorm.DB) error { return db.Cached(tx).Exec(insert, doc).Error })
	}
	if err := write("[1,2]"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		db.stmts.mu.Lock()
		ready := db.stmts.stmts[insert] != nil
		db.stmts.mu.Unlock()
		if ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the statement was not prepared for later transactions")
		}
	}
	if err := write("[3]"); err != nil {
		t.Fatal(err)
	}
	if err := write("[4,1]"); err == nil {
		t.Fatal("a duplicate key did not fail its transaction")
	}
	err = db.W.Transaction(func(tx *gorm.DB) error {
		if err := db.Cached(tx).Exec(insert, "[5]").Error; err != nil {
			return err
		}
		return gorm.ErrInvalidData // rolled back
	})
	if err == nil {
		t.Fatal("the rollback did not happen")
	}
	var n, sum int64
	db.R.Raw("SELECT COUNT(*), COALESCE(SUM(v), 0) FROM t").Row().Scan(&n, &sum)
	if n != 3 || sum != 6 {
		t.Errorf("rows: %d summing to %d, want 1, 2, 3", n, sum)
	}
	if len(db.stmts.stmts) != 1 {
		t.Errorf("%d statements cached, want 1", len(db.stmts.stmts))
	}
}
