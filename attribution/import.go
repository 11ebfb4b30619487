package attribution

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"relance/tenancy"
)

// ImportHeader is the CSV header the import takes (DESIGN §5).
var ImportHeader = []string{"external_id", "page_id", "psid", "type", "amount", "currency", "occurred_at"}

// MaxImportRows bounds one file.
const MaxImportRows = 50000

// maxImportErrors is how many faulty lines one refusal lists.
const maxImportErrors = 50

// ImportResult says what an import stored.
type ImportResult struct {
	Rows       int `json:"rows"`
	Created    int `json:"created"`
	Duplicates int `json:"duplicates"`
}

// Import reads conversions from CSV with ImportHeader and stores them all, or none: any faulty line refuses
// the file, each error named "line N: field" (up to 50). An external_id already stored, or repeated in the
// file, counts once.
func (s *Store) Import(ctx context.Context, r io.Reader) (ImportResult, error) {
	var res ImportResult
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(ImportHeader)
	head, err := cr.Read()
	if err != nil {
		return res, &tenancy.ValidationError{Fields: map[string]string{"file": "must be CSV with the header " + strings.Join(ImportHeader, ",")}}
	}
	head[0] = strings.TrimPrefix(head[0], "\ufeff") // Excel's byte-order mark
	for i, h := range ImportHeader {
		if strings.TrimSpace(strings.ToLower(head[i])) != h {
			return res, &tenancy.ValidationError{Fields: map[string]string{"file": "the header must be " + strings.Join(ImportHeader, ",")}}
		}
	}
	fields := map[string]string{}
	add := func(line int, f, why string) {
		if len(fields) < maxImportErrors {
			fields[fmt.Sprintf("line %d: %s", line, f)] = why
		}
	}
	var rows []checked
	var lines []int
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			add(line, "file", "is not valid CSV here: "+err.Error())
			break
		}
		if len(rows) == MaxImportRows {
			return res, &tenancy.ValidationError{Fields: map[string]string{"file": fmt.Sprintf("holds more than %d conversions: split it", MaxImportRows)}}
		}
		in := ConversionInput{ExternalID: rec[0], PageID: rec[1], PSID: rec[2], Type: rec[3],
			Value: &Value{Amount: rec[4], Currency: rec[5]}, OccurredAt: rec[6]}
		c := check(in, s.now(), func(f, why string) { add(line, f, why) })
		rows, lines = append(rows, c), append(lines, line)
	}
	res.Rows = len(rows)
	if err := validationError(fields); err != nil {
		return res, err
	}
	err = s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		seen := map[string]bool{}
		batch := make([]conversionRow, 0, 500)
		for i, c := range rows {
			if seen[c.in.ExternalID] {
				res.Duplicates++
				continue
			}
			seen[c.in.ExternalID] = true
			k, err := s.resolve(tx, c)
			if errors.Is(err, ErrUnknownContact) {
				add(lines[i], "psid", "names no contact of this brand on that Page")
				continue
			}
			if err != nil {
				return err
			}
			batch = append(batch, s.row(c, k, SourceImport))
			if len(batch) == cap(batch) {
				if err := s.insert(tx, batch, &res); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		if err := validationError(fields); err != nil {
			return err // rolls back what was inserted: all or nothing
		}
		return s.insert(tx, batch, &res)
	})
	if err != nil {
		var v *tenancy.ValidationError
		if errors.As(err, &v) {
			return ImportResult{Rows: res.Rows}, err
		}
		return ImportResult{Rows: res.Rows}, fmt.Errorf("attribution: import: %w", err)
	}
	return res, nil
}

// insert writes a batch, counting the external ids already stored as duplicates.
func (s *Store) insert(tx *gorm.DB, batch []conversionRow, res *ImportResult) error {
	if len(batch) == 0 {
		return nil
	}
	r := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&batch)
	if r.Error != nil {
		return r.Error
	}
	res.Created += int(r.RowsAffected)
	res.Duplicates += len(batch) - int(r.RowsAffected)
	stored := batch
	if int(r.RowsAffected) < len(batch) { // credit only the rows written, not the duplicates refused
		ids := make([]string, len(batch))
		for i, b := range batch {
			ids[i] = b.ID
		}
		var have []string
		if err := tx.Model(&conversionRow{}).Where("id IN ?", ids).Pluck("id", &have).Error; err != nil {
			return err
		}
		in := make(map[string]bool, len(have))
		for _, id := range have {
			in[id] = true
		}
		stored = nil
		for _, b := range batch {
			if in[b.ID] {
				stored = append(stored, b)
			}
		}
	}
	return recredit(tx.Statement.Context, tx, stored, s.zone, false)
}
