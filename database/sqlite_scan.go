package database

import (
	"context"
	"errors"
	"fmt"

	"github.com/ncruces/go-sqlite3"
)

// ErrNotSQLite refuses ScanSQLite on another database.
var ErrNotSQLite = errors.New("database: not an SQLite database")

// RawRow is a row as SQLite's own statement API reads it: a TEXT column's bytes belong to SQLite and are
// valid only until the next row; copy what outlives it.
type RawRow interface {
	ColumnRawText(col int) []byte
	ColumnInt64(col int) int64
}

// ScanSQLite runs a read-only query on one of the reader connections through the SQLite driver's own
// statement API and calls fn on each row. It exists for reads of a million rows, where database/sql's
// per-column conversion and allocation cost as much as SQLite's own stepping. args are strings or int64;
// ctx interrupts the statement.
func (db *DB) ScanSQLite(ctx context.Context, query string, args []any, fn func(RawRow) error) error {
	if db.Dialect != SQLite {
		return ErrNotSQLite
	}
	pool, err := db.R.DB()
	if err != nil {
		return fmt.Errorf("database: scan: %w", err)
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("database: scan: %w", err)
	}
	defer func() { _ = conn.Close() }()
	return conn.Raw(func(dc any) error {
		raw, ok := dc.(interface{ Raw() *sqlite3.Conn })
		if !ok {
			return fmt.Errorf("database: scan: connection of type %T", dc)
		}
		c := raw.Raw()
		old := c.SetInterrupt(ctx)
		defer c.SetInterrupt(old)
		stmt, _, err := c.Prepare(query)
		if err != nil {
			return fmt.Errorf("database: scan: %w", err)
		}
		defer func() { _ = stmt.Close() }()
		for i, a := range args {
			switch v := a.(type) {
			case string:
				err = stmt.BindText(i+1, v)
			case int64:
				err = stmt.BindInt64(i+1, v)
			default:
				err = fmt.Errorf("argument %d of type %T", i+1, a)
			}
			if err != nil {
				return fmt.Errorf("database: scan: %w", err)
			}
		}
		for stmt.Step() {
			if err := fn(stmt); err != nil {
				return err
			}
		}
		if err := stmt.Err(); err != nil {
			return fmt.Errorf("database: scan: %w", err)
		}
		return nil
	})
}
