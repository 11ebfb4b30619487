package database

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"gorm.io/gorm"
)

// maxCachedStmts bounds the statements the SQLite writer keeps prepared: the ingester's and attribution's are
// a few dozen fixed texts (their rows travel as one JSON parameter); anything beyond is prepared each time.
const maxCachedStmts = 128

// stmtCache keeps statements prepared on the SQLite writer's one connection, so that a transaction reuses
// them instead of parsing its SQL again: in the ingester's profile, SQLite's parser took a fifth of the
// server's CPU on single-event deliveries (the contacts upsert alone is a long text). A statement is
// prepared on the pool in the background the first time it is asked for (the one connection is busy with the
// asking transaction until it ends), and used from the next transaction on.
type stmtCache struct {
	db      *sql.DB
	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool
	failed  map[string]bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}, failed: map[string]bool{}}
}

// get returns the prepared statement of query, or nil (and prepares it for next time).
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.stmts[query]; s != nil {
		return s
	}
	if c.pending[query] || c.failed[query] || len(c.stmts)+len(c.pending) >= maxCachedStmts {
		return nil
	}
	c.pending[query] = true
	go c.prepare(query)
	return nil
}

func (c *stmtCache) prepare(query string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := c.db.PrepareContext(ctx, query)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, query)
	if err != nil {
		c.failed[query] = true // the transaction that runs it reports the error
		return
	}
	c.stmts[query] = s
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.stmts {
		_ = s.Close()
		delete(c.stmts, q)
	}
}

// cachedTx is a transaction of the writer that runs cached statements (gorm.ConnPool).
type cachedTx struct {
	tx *sql.Tx
	c  *stmtCache
}

func (t cachedTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return t.tx.PrepareContext(ctx, query)
}

func (t cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := t.c.get(query); s != nil {
		return t.tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := t.c.get(query); s != nil {
		return t.tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := t.c.get(query); s != nil {
		return t.tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

// Cached returns tx (a transaction of db.W) running its statements through the writer's prepared statements
// on SQLite; on PostgreSQL, or for anything but a transaction, it returns tx as it is. Use it for hot
// transactions whose statements have fixed texts (the ingester's group commit and fold).
func (db *DB) Cached(tx *gorm.DB) *gorm.DB {
	if db.stmts == nil {
		return tx
	}
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return tx
	}
	ctx := tx.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	s := tx.Session(&gorm.Session{Context: ctx}) // a Context makes the session clone the statement, which it changes
	s.Statement.ConnPool = cachedTx{tx: sqlTx, c: db.stmts}
	return s
}
