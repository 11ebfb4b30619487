package reports

import (
	"context"
	"fmt"

	"relance/database"
)

// ledgerRec is one ledger row of an export, as read: the strings are interned or shared with the row
// before, so reading allocates almost nothing.
type ledgerRec struct {
	day, month, brand, account, ad, adName, cur string
	f                                           [6]int64
}

// recBatch is how many rows the reader hands the writer at once; batches are recycled.
const recBatch = 1024

// ledgerQuery reads the ledger's rows of an export in the primary key's order.
func ledgerQuery(filter string) string {
	return `SELECT day, month, brand_id, ad_account_id, ad_id, ad_name, currency, spend,
		impressions, reach, clicks, conversations, replies FROM spend_days WHERE ` + filter + ` AND day >= ? AND day <= ?
		ORDER BY tenant_id, ad_account_id, ad_id, day`
}

// ledgerRowsSQLite streams the ledger's rows to emit, read on another goroutine through SQLite's own
// statement API (database.ScanSQLite) while this one converts and writes: reading (SQLite's stepping and the
// columns) and writing each take about half of an export's CPU time, so the two overlap on two cores.
// Memory stays constant: a handful of batches circulate between the two goroutines.
func (l *Ledger) ledgerRowsSQLite(ctx context.Context, filter string, args []any, emit func(ledgerRec) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan []ledgerRec, 4)
	free := make(chan []ledgerRec, 6)
	for range cap(free) {
		free <- make([]ledgerRec, 0, recBatch)
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(full)
		readErr <- l.readLedger(ctx, filter, args, full, free)
	}()
	var werr error
	for b := range full {
		for i := range b {
			if werr == nil {
				werr = emit(b[i])
			}
		}
		if werr != nil {
			cancel() // the reader stops at its next row; its batches are drained below
		}
		free <- b[:0]
	}
	rerr := <-readErr
	if werr != nil {
		return werr
	}
	if rerr != nil {
		return fmt.Errorf("reports: export: %w", rerr)
	}
	return nil
}

// readLedger scans the rows into batches taken from free and sent on full.
func (l *Ledger) readLedger(ctx context.Context, filter string, args []any, full, free chan []ledgerRec) error {
	// Days, months, brands, accounts and currencies repeat across the rows: one string each. Ads and ad
	// names repeat from one row to the next (the rows come by ad): the previous row's string is reused.
	intern := map[string]string{}
	str := func(b []byte) string {
		if s, ok := intern[string(b)]; ok {
			return s
		}
		s := string(b)
		intern[s] = s
		return s
	}
	var ad, adName string
	var batch []ledgerRec
	take := func() error {
		select {
		case batch = <-free:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := take(); err != nil {
		return err
	}
	err := l.db.ScanSQLite(ctx, ledgerQuery(filter), args, func(r database.RawRow) error {
		if b := r.ColumnRawText(4); string(b) != ad {
			ad = string(b)
		}
		if b := r.ColumnRawText(5); string(b) != adName {
			adName = string(b)
		}
		batch = append(batch, ledgerRec{day: str(r.ColumnRawText(0)), month: str(r.ColumnRawText(1)),
			brand: str(r.ColumnRawText(2)), account: str(r.ColumnRawText(3)), ad: ad, adName: adName,
			cur: str(r.ColumnRawText(6)), f: [6]int64{r.ColumnInt64(7), r.ColumnInt64(8), r.ColumnInt64(9),
				r.ColumnInt64(10), r.ColumnInt64(11), r.ColumnInt64(12)}})
		if len(batch) < recBatch {
			return nil
		}
		select {
		case full <- batch:
		case <-ctx.Done():
			return ctx.Err()
		}
		return take()
	})
	if err == nil && len(batch) > 0 {
		select {
		case full <- batch:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	return err
}
