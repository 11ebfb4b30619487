// Package testdb gives each test a fresh, migrated database: a temporary SQLite file, or a new PostgreSQL
// database when RELANCE_TEST_DATABASE_URL names a server.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"relance/database"
)

// EnvURL names the PostgreSQL server the store tests also run against.
const EnvURL = "RELANCE_TEST_DATABASE_URL"

// URL returns the URL of a fresh, empty database for this test and drops it when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		return "sqlite://" + filepath.Join(t.TempDir(), "relance.db")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "relance_t_" + hex.EncodeToString(b)
	admin, err := database.Open(base, database.Options{ReadConns: 2})
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	if err := admin.W.Exec("CREATE DATABASE " + name).Error; err != nil {
		t.Fatalf("testdb: create database: %v", err)
	}
	t.Cleanup(func() {
		_ = admin.W.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").Error
		_ = admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open returns a migrated database for this test, closed when the test ends.
func Open(t testing.TB) *database.DB {
	t.Helper()
	db, err := database.Open(URL(t), database.Options{})
	if err != nil {
		t.Fatalf("testdb: open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("testdb: migrate: %v", err)
	}
	return db
}

// Postgres reports whether the tests run against PostgreSQL.
func Postgres() bool { return strings.TrimSpace(os.Getenv(EnvURL)) != "" }
