package database

import (
	"database/sql"
	"time"
)

// checkpointEvery is how often the background checkpointer copies the write-ahead log into the database.
const checkpointEvery = 250 * time.Millisecond

// writerAutoCheckpoint is the writer's own checkpoint threshold, in pages (64 MiB of log): a safety net that
// bounds the log if the background checkpointer falls behind a sustained load, never the usual path.
const writerAutoCheckpoint = 16384

// checkpointer copies the write-ahead log into the database file from a connection of its own. SQLite
// otherwise checkpoints inside the commit that crosses wal_autocheckpoint pages: on the single writer
// connection, that is the ingester's group commit, and every delivery of that batch waited for it (17% of
// the writer's time under the ingestion benchmark). PASSIVE never blocks the writer nor the readers.
type checkpointer struct {
	conn *sql.DB
	stop chan struct{}
	done chan struct{}
}

func startCheckpointer(conn *sql.DB) *checkpointer {
	c := &checkpointer{conn: conn, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			// An error (the file is busy, the database is closing) is retried at the next tick; the writer's
			// own threshold still bounds the log meanwhile.
			_, _ = c.conn.Exec("PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

// close stops the loop and closes its connection.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.conn.Close()
}
