package database_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"relance/database"
)

// TestWriterLeavesCheckpointsToBackground: the single SQLite writer no longer checkpoints every 1,000 pages
// inside its commits (the ingester's group commit paid for it); a background connection copies the log
// into the database instead, and Close stops it.
func TestWriterLeavesCheckpointsToBackground(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	db, err := database.Open("sqlite://"+path, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := db.W.Raw("PRAGMA wal_autocheckpoint").Scan(&pages).Error; err != nil {
		t.Fatal(err)
	}
	if pages < 16384 {
		t.Errorf("writer wal_autocheckpoint = %d pages, want the 64 MiB safety net (16384) only", pages)
	}
	if err := db.W.Exec("CREATE TABLE t (v TEXT)").Error; err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if err := db.W.Exec("INSERT INTO t SELECT hex(randomblob(2000)) FROM generate_series(1, 20)").Error; err != nil {
			// generate_series is an extension some builds lack: a recursive CTE does the same.
			if err := db.W.Exec("WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n < 20) INSERT INTO t SELECT hex(randomblob(2000)) FROM s").Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	// The database file grows only when a checkpoint copies the log into it: the 4 MB written are below
	// the writer's own threshold, so only the background checkpointer (every 250 ms) can have done it. Wait
	// for it, up to 10 s (a bound, not a speed assertion).
	deadline := time.Now().Add(10 * time.Second)
	for {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > 2<<20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s the database file holds %d bytes: nothing checkpointed the log", fi.Size())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}
