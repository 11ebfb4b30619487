// Package database opens relance's store (embedded SQLite or PostgreSQL) and keeps its schema current.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ncruces/go-sqlite3/gormlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialects relance supports.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// ErrBadURL reports a database.url that relance cannot open.
var ErrBadURL = errors.New("database: unsupported url")

// DB holds the two pools relance uses: one writer and a pool of readers. On PostgreSQL both are the same pool;
// on SQLite the writer is a single connection so that writes queue in Go instead of failing on SQLITE_BUSY.
type DB struct {
	// W is the pool for writes and read-modify-write transactions.
	W *gorm.DB
	// R is the pool for plain reads.
	R *gorm.DB
	// Dialect is SQLite or Postgres.
	Dialect string
	// Path is the SQLite file (empty on PostgreSQL).
	Path string
	// ckpt checkpoints SQLite's write-ahead log off the writer (nil on PostgreSQL).
	ckpt *checkpointer
	// stmts keeps the SQLite writer's prepared statements (nil on PostgreSQL); see Cached.
	stmts *stmtCache
}

// Options tune Open.
type Options struct {
	// ReadConns caps the SQLite read pool and the PostgreSQL pool (0 picks a default).
	ReadConns int
	// Logger receives GORM's slow-query and error logs (nil silences them).
	Logger logger.Interface
}

// Open connects to the database named by rawURL: "sqlite://path/to/file.db" or "postgres://...".
func Open(rawURL string, opts Options) (*DB, error) {
	lg := opts.Logger
	if lg == nil {
		lg = logger.Discard
	}
	cfg := func() *gorm.Config {
		return &gorm.Config{Logger: lg, PrepareStmt: false, SkipDefaultTransaction: true, TranslateError: true,
			NowFunc: func() time.Time { return time.Now().UTC() }}
	}
	switch {
	case strings.HasPrefix(rawURL, "sqlite://"):
		return openSQLite(strings.TrimPrefix(rawURL, "sqlite://"), opts, cfg)
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		gdb, err := gorm.Open(postgres.Open(rawURL), cfg())
		if err != nil {
			return nil, fmt.Errorf("database: open postgres: %w", err)
		}
		sdb, err := gdb.DB()
		if err != nil {
			return nil, fmt.Errorf("database: postgres pool: %w", err)
		}
		n := opts.ReadConns
		if n <= 0 {
			n = 20
		}
		sdb.SetMaxOpenConns(n)
		sdb.SetMaxIdleConns(n)
		sdb.SetConnMaxIdleTime(5 * time.Minute)
		return &DB{W: gdb, R: gdb, Dialect: Postgres}, nil
	default:
		return nil, fmt.Errorf("%w: %q (want sqlite://PATH or postgres://...)", ErrBadURL, redact(rawURL))
	}
}

// openSQLite opens the writer (one connection, immediate transactions) and the reader pool on one file.
// busy_timeout comes first so that every later pragma already waits instead of failing on a locked file.
func openSQLite(path string, opts Options, cfg func() *gorm.Config) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: sqlite:// needs a file path", ErrBadURL)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("database: create %s: %w", dir, err)
		}
	}
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)" +
		"&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)"
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
	w, err := openGormSQLite(dsn+"&_txlock=immediate"+fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", writerAutoCheckpoint), cfg)
	if err != nil {
		return nil, fmt.Errorf("database: open sqlite writer: %w", err)
	}
	wdb, _ := w.DB()
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	r, err := openGormSQLite(dsn+"&_pragma=query_only(ON)", cfg)
	if err != nil {
		return nil, fmt.Errorf("database: open sqlite readers: %w", err)
	}
	rdb, _ := r.DB()
	n := opts.ReadConns
	if n <= 0 {
		n = 8
	}
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	c, err := openGormSQLite(dsn, cfg)
	if err != nil {
		return nil, fmt.Errorf("database: open sqlite checkpointer: %w", err)
	}
	cdb, _ := c.DB()
	cdb.SetMaxOpenConns(1)
	cdb.SetMaxIdleConns(1)
	return &DB{W: w, R: r, Dialect: SQLite, Path: path, ckpt: startCheckpointer(cdb), stmts: newStmtCache(wdb)}, nil
}

// openGormSQLite opens GORM on a pool of dsn whose connections have the raised memory cap.
func openGormSQLite(dsn string, cfg func() *gorm.Config) (*gorm.DB, error) {
	pool, err := openSQLitePool(dsn)
	if err != nil {
		return nil, err
	}
	return gorm.Open(gormlite.OpenDB(pool), cfg())
}

// SQL returns the writer's database/sql handle (migrations and raw statements use it).
func (db *DB) SQL() *sql.DB {
	s, _ := db.W.DB()
	return s
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.SQL().PingContext(ctx); err != nil {
		return fmt.Errorf("database: ping: %w", err)
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	var errs []error
	if db.ckpt != nil {
		errs = append(errs, db.ckpt.close())
	}
	if db.stmts != nil {
		db.stmts.close()
	}
	if s, err := db.R.DB(); err == nil && db.R != db.W {
		errs = append(errs, s.Close())
	}
	errs = append(errs, db.SQL().Close())
	return errors.Join(errs...)
}

// redact hides a password in a URL so that errors can quote it.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}
