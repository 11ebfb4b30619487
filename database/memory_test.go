package database_test

import (
	"path/filepath"
	"testing"

	"relance/database"
)

// TestSQLiteConnectionsMayUseMoreThan256MiB: a statement that needs 300 MB inside SQLite (a large in-memory
// value here; a big page cache or sort in practice) runs on the writer and on a reader. Before, the driver's
// WebAssembly memory cap of 256 MiB made SQLite run out of memory, and the driver panicked with the
// connection's lock held: the demo seed of a million contacts hung that way.
func TestSQLiteConnectionsMayUseMoreThan256MiB(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 300 MB")
	}
	db, err := database.Open("sqlite://"+filepath.Join(t.TempDir(), "r.db"), database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.W.Raw("SELECT length(randomblob(300000000))").Scan(&n).Error; err != nil || n != 300000000 {
		t.Fatalf("writer: %d, %v", n, err)
	}
	if err := db.R.Raw("SELECT length(randomblob(300000000))").Scan(&n).Error; err != nil || n != 300000000 {
		t.Fatalf("reader: %d, %v", n, err)
	}
}
