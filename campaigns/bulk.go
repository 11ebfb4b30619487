package campaigns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"relance/database"
)

// sendColumns are the campaign_sends columns a slot writes; the others keep their defaults until a call.
var sendColumns = []string{"id", "tenant_id", "brand_id", "campaign_id", "run_id", "slot", "contact_id", "page_id", "psid",
	"variant", "route", "status", "reason", "updated_at"}

// bulkRows bounds one statement: PostgreSQL takes at most 65,535 parameters, and a SQLite JSON document of
// this many rows stays small.
const bulkRows = 1000

// insertSends writes send rows, keeping any row of the same (campaign, slot, contact) already there: an
// instance that died while routing left rows a rerun keeps. SQLite gets the rows as one JSON parameter
// (the driver re-parses each statement and binds parameters in quadratic time, so one parameter beats
// thousands); PostgreSQL gets them through COPY, or a multi-row VALUES list when COPY meets a row already there.
func (s *Store) insertSends(ctx context.Context, rows []sendRow) error {
	for start := 0; start < len(rows); start += bulkRows {
		if err := s.insertSendsOnce(ctx, rows[start:min(start+bulkRows, len(rows))]); err != nil {
			return fmt.Errorf("campaigns: run: sends: %w", err)
		}
	}
	return nil
}

// sendValues are a row's values in the order of sendColumns.
func sendValues(r sendRow) []any {
	return []any{r.ID, r.TenantID, r.BrandID, r.CampaignID, r.RunID, r.Slot, r.ContactID, r.PageID, r.PSID,
		r.Variant, r.Route, r.Status, r.Reason, r.UpdatedAt}
}

// sameRun reports whether rows share tenant, brand, campaign, run, slot, Page and time, as one slot's rows
// do (a slot speaks from one Page): those columns are then bound once, and only the others travel per row.
func sameRun(rows []sendRow) bool {
	f := rows[0]
	for _, r := range rows[1:] {
		if r.TenantID != f.TenantID || r.BrandID != f.BrandID || r.CampaignID != f.CampaignID || r.RunID != f.RunID ||
			r.Slot != f.Slot || r.PageID != f.PageID || r.UpdatedAt != f.UpdatedAt {
			return false
		}
	}
	return true
}

func (s *Store) insertSendsOnce(ctx context.Context, rows []sendRow) error {
	if len(rows) == 0 {
		return nil
	}
	if s.db.Dialect == database.Postgres {
		err := s.copySends(ctx, rows)
		if !errors.Is(err, errCopyConflict) {
			return err
		}
		// A row of this batch is there already (a rerun, or another instance routing the same run): COPY
		// wrote nothing, and the INSERT below keeps the rows there.
		return s.insertSendsValues(ctx, rows)
	}
	head := "INSERT INTO campaign_sends (" + strings.Join(sendColumns, ", ") + ") "
	const tail = " ON CONFLICT (campaign_id, slot, contact_id) DO NOTHING"
	w := s.db.W.WithContext(ctx)
	var (
		b   []byte
		err error
		sel = make([]string, len(sendColumns))
	)
	if f := rows[0]; sameRun(rows) {
		doc := make([][7]string, len(rows))
		for i, r := range rows {
			doc[i] = [7]string{r.ID, r.ContactID, r.PSID, r.Variant, r.Route, r.Status, r.Reason}
		}
		if b, err = json.Marshal(doc); err != nil {
			return err
		}
		copy(sel, []string{"value->>0", "?", "?", "?", "?", "?", "value->>1", "?", "value->>2", "value->>3", "value->>4", "value->>5", "value->>6", "?"})
		return w.Exec(head+"SELECT "+strings.Join(sel, ", ")+" FROM jsonb_each(?) WHERE true"+tail,
			f.TenantID, f.BrandID, f.CampaignID, f.RunID, f.Slot, f.PageID, f.UpdatedAt, string(b)).Error
	}
	doc := make([][]any, len(rows))
	for i, r := range rows {
		doc[i] = sendValues(r)
	}
	if b, err = json.Marshal(doc); err != nil {
		return err
	}
	for i := range sendColumns {
		sel[i] = fmt.Sprintf("value->>%d", i)
	}
	// WHERE true lets SQLite parse ON CONFLICT after a SELECT.
	return w.Exec(head+"SELECT "+strings.Join(sel, ", ")+" FROM jsonb_each(?) WHERE true"+tail, string(b)).Error
}

// insertSendsValues writes rows on PostgreSQL as one multi-row INSERT that keeps the rows already there.
func (s *Store) insertSendsValues(ctx context.Context, rows []sendRow) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(sendColumns)), ", ") + ")"
	args := make([]any, 0, len(rows)*len(sendColumns))
	for _, r := range rows {
		args = append(args, sendValues(r)...)
	}
	return s.db.W.WithContext(ctx).Exec("INSERT INTO campaign_sends ("+strings.Join(sendColumns, ", ")+") VALUES "+
		strings.TrimSuffix(strings.Repeat(one+", ", len(rows)), ", ")+" ON CONFLICT (campaign_id, slot, contact_id) DO NOTHING", args...).Error
}

// sendWriter writes batches of send rows on its own goroutine, so that routing the next members (reading
// and classifying, on the reader connections) overlaps writing the previous ones (on the writer): the two
// halves of a slot then share the cores instead of taking turns.
type sendWriter struct {
	rows   chan []sendRow
	done   chan struct{}
	err    error
	closed bool
}

// startSendWriter starts a writer of s's send rows; close must be called once routing ends.
func (s *Store) startSendWriter(ctx context.Context) *sendWriter {
	w := &sendWriter{rows: make(chan []sendRow, 2), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for rows := range w.rows {
			if w.err == nil {
				w.err = s.insertSends(ctx, rows)
			}
		}
	}()
	return w
}

// write hands a batch to the writer, which owns it from then on. It returns the error of an earlier batch,
// if one failed, so that routing stops.
func (w *sendWriter) write(rows []sendRow) error {
	select {
	case <-w.done:
		return w.err
	default:
	}
	w.rows <- rows
	return nil
}

// close waits for the batches handed over and returns the first error; later calls return it again.
func (w *sendWriter) close() error {
	if !w.closed {
		w.closed = true
		close(w.rows)
		<-w.done
	}
	return w.err
}
