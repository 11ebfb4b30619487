package campaigns

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// errCopyConflict means COPY met a send row already there: it wrote nothing.
var errCopyConflict = errors.New("campaigns: copy: a row is there already")

// copySends writes rows through PostgreSQL's COPY: no statement to parse and plan per batch, and the values
// travel in binary. COPY has no ON CONFLICT: a row already there fails the whole batch with nothing
// written, reported as errCopyConflict for the caller to write the batch again the careful way.
func (s *Store) copySends(ctx context.Context, rows []sendRow) error {
	pool, err := s.db.W.DB()
	if err != nil {
		return fmt.Errorf("campaigns: copy: %w", err)
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("campaigns: copy: %w", err)
	}
	defer conn.Close()
	src := make([][]any, len(rows))
	for i, r := range rows {
		src[i] = sendValues(r)
	}
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("campaigns: copy: driver connection %T is not pgx's", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{"campaign_sends"}, sendColumns, pgx.CopyFromRows(src))
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation
			return errCopyConflict
		}
		return err
	})
}
