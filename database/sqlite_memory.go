package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/ncruces/go-sqlite3"
	ncdriver "github.com/ncruces/go-sqlite3/driver"
)

// sqliteMemory is the most memory one SQLite connection may use. The driver runs SQLite as WebAssembly whose
// memory is capped per connection (256 MiB unless told otherwise), and running out of it panics inside the
// driver with the connection's lock held, which hangs the writer: a 1 GiB page cache while seeding a million
// contacts, or a large sort kept in memory (temp_store), reached that cap. The space is reserved, not used,
// until SQLite asks for it.
const sqliteMemory = 2 << 30

// memoryConnector opens each connection with sqliteMemory as its cap: the driver reads the cap from the
// context a connection is opened with.
type memoryConnector struct{ driver.Connector }

// Connect opens one connection with the raised memory cap.
func (m memoryConnector) Connect(ctx context.Context) (driver.Conn, error) {
	return m.Connector.Connect(sqlite3.WithMaxMemory(ctx, sqliteMemory))
}

// openSQLitePool opens a database/sql pool on dsn whose connections may use sqliteMemory each.
func openSQLitePool(dsn string) (*sql.DB, error) {
	c, err := (&ncdriver.SQLite{}).OpenConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("database: sqlite connector: %w", err)
	}
	return sql.OpenDB(memoryConnector{c}), nil
}
