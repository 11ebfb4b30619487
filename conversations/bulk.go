package conversations

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// jsonRowsPerStatement bounds one SQLite statement's JSON document (memory, not speed).
const jsonRowsPerStatement = 2000

// bulkInsert writes rows into table in as few statements as the dialect allows; tail follows the rows
// (ON CONFLICT …, RETURNING …) and scan, when set, reads every returned row.
//
// PostgreSQL gets multi-row VALUES lists. SQLite gets the rows as one JSON parameter expanded by
// json_each: the pure-Go driver re-parses every statement on every execution and binds parameters in
// quadratic time, so one short statement with one parameter is several times faster than VALUES lists.
func (d sqlDialect) bulkInsert(tx *gorm.DB, table string, cols []string, rows [][]any, tail string, scan func(*sql.Rows) error) error {
	if len(rows) == 0 {
		return nil
	}
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") "
	if d.json {
		sel := make([]string, len(cols))
		for i := range cols {
			sel[i] = fmt.Sprintf("value->>%d", i)
		}
		q := head + "SELECT " + strings.Join(sel, ", ") + " FROM jsonb_each(?) WHERE true " + tail
		for start := 0; start < len(rows); start += jsonRowsPerStatement {
			doc, err := json.Marshal(rows[start:min(start+jsonRowsPerStatement, len(rows))])
			if err != nil {
				return err
			}
			if err := run(tx, q, []any{string(doc)}, scan); err != nil {
				return err
			}
		}
		return nil
	}
	per := max(1, d.maxParams/len(cols))
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	for start := 0; start < len(rows); start += per {
		part := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(part)*len(cols))
		for _, r := range part {
			args = append(args, r...)
		}
		q := head + "VALUES " + strings.TrimSuffix(strings.Repeat(row+",", len(part)), ",") + " " + tail
		if err := run(tx, q, args, scan); err != nil {
			return err
		}
	}
	return nil
}

// run executes one statement, reading its RETURNING rows when scan is set.
func run(tx *gorm.DB, q string, args []any, scan func(*sql.Rows) error) error {
	if scan == nil {
		return tx.Exec(q, args...).Error
	}
	rs, err := tx.Raw(q, args...).Rows()
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		if err := scan(rs); err != nil {
			return err
		}
	}
	return rs.Err()
}

// keyCollector returns a scan function recording "brand|page|key" of RETURNING brand_id, page_id, key.
func keyCollector(into map[string]bool) func(*sql.Rows) error {
	return func(rs *sql.Rows) error {
		var b, p, k string
		if err := rs.Scan(&b, &p, &k); err != nil {
			return err
		}
		into[b+"|"+p+"|"+k] = true
		return nil
	}
}
