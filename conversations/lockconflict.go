package conversations

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// lockConflict reports a PostgreSQL deadlock (40P01) or serialization failure (40001): with several writers
// these can befall any batch, and the same batch written again succeeds, so they must not be taken for a
// delivery the database refuses.
func lockConflict(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001")
}
