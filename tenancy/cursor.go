package tenancy

import (
	"encoding/base64"
	"fmt"

	"gorm.io/gorm"
)

// Cursor asks for one page of a list: up to Limit rows after the opaque Cursor (empty for the first page).
type Cursor struct {
	// After is the opaque cursor returned as Next by the previous page.
	After string
	// Limit is the page size; 0 means 50, and it is capped at 200.
	Limit int
}

// ErrBadCursor means a cursor was not one relance produced.
var ErrBadCursor = fmt.Errorf("tenancy: %w", &ValidationError{Fields: map[string]string{"cursor": "is not a cursor this API returned"}})

// limit returns the effective page size.
func (c Cursor) limit() int {
	switch {
	case c.Limit <= 0:
		return 50
	case c.Limit > 200:
		return 200
	}
	return c.Limit
}

// apply orders newest first by the time-ordered id and skips past the cursor.
func (c Cursor) apply(q *gorm.DB, table string) (*gorm.DB, error) {
	if c.After != "" {
		raw, err := base64.RawURLEncoding.DecodeString(c.After)
		if err != nil || !validID(string(raw)) {
			return nil, ErrBadCursor
		}
		q = q.Where(table+".id < ?", string(raw))
	}
	return q.Order(table + ".id DESC").Limit(c.limit() + 1), nil
}

// next trims the extra row fetched by apply and returns the cursor of the following page.
func next[T any](rows []T, c Cursor, id func(T) string) ([]T, string) {
	if len(rows) <= c.limit() {
		return rows, ""
	}
	rows = rows[:c.limit()]
	return rows, base64.RawURLEncoding.EncodeToString([]byte(id(rows[len(rows)-1])))
}
