package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"relance/database"
)

// TestExportSpendPathsAgree exports the same books through database/sql and through SQLite's own statement
// API (with its reader goroutine): the bytes must be the same, for the whole ledger and for each filter, and
// with more rows than a batch, ad names that change and repeat, several ad accounts and currencies.
func TestExportSpendPathsAgree(t *testing.T) {
	l, brand2 := exportEnv(t)
	var days []SpendDay
	for a := range 3 {
		for ad := range 40 {
			for d := 1; d <= 30; d++ {
				cur := []string{"EUR", "USD", "GBP"}[a]
				days = append(days, SpendDay{TenantID: l.tenant, BrandID: brand2, AdAccountID: fmt.Sprintf("act_9%d", a), AdID: fmt.Sprintf("ad%03d", ad),
					Day: fmt.Sprintf("2026-11-%02d", d), Month: "2026-11", AdName: fmt.Sprintf("Ad \"%d\", %s", ad%7, cur), Currency: cur,
					Spend: int64(ad*1000 + d*7 - 150), Impressions: int64(d), Reach: int64(ad), Clicks: 1, Conversations: int64(a), Replies: 2})
			}
		}
	}
	if err := l.db.W.CreateInBatches(&days, 500).Error; err != nil {
		t.Fatal(err)
	}
	export := func(q SpendExport, viaSQL bool) string {
		t.Helper()
		l.viaSQL = viaSQL
		defer func() { l.viaSQL = false }()
		var buf bytes.Buffer
		w, err := NewCSV(&buf, SpendColumns, CSVOptions{BOM: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.ExportSpend(context.Background(), q, w); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	for _, q := range []SpendExport{
		{From: "2026-09-01", To: "2026-11-30", Reporting: "EUR"},
		{From: "2026-11-03", To: "2026-11-17", Reporting: "USD", BrandID: brand2},
		{From: "2026-10-01", To: "2026-11-30", Reporting: "EUR", AdAccountID: "act_91"},
		{From: "2027-01-01", To: "2027-01-02", Reporting: "EUR"},
	} {
		old, fast := export(q, true), export(q, false)
		if old != fast {
			t.Errorf("%+v: the two paths differ (%d and %d bytes)", q, len(old), len(fast))
		}
		if q.AdAccountID == "" && q.From == "2026-09-01" && len(old) < 3600*60 {
			t.Errorf("only %d bytes for the whole ledger", len(old))
		}
	}
}

// failAfter is a RowWriter that fails at its nth row, or calls cancel there and goes on when set.
type failAfter struct {
	n      int
	cancel func()
}

var errWriter = errors.New("disk full")

func (f *failAfter) Write([]any) error {
	if f.n--; f.n < 0 {
		if f.cancel != nil {
			f.cancel()
			return nil
		}
		return errWriter
	}
	return nil
}
func (f *failAfter) Close() error { return nil }
func (f *failAfter) Abort() error { return nil }

// TestExportSpendSQLiteStops: a writer's error stops the reader and is what the export returns; a cancelled
// request stops it too, as an error, never as a complete file.
func TestExportSpendSQLiteStops(t *testing.T) {
	l, _ := exportEnv(t)
	if l.db.Dialect != database.SQLite {
		t.Skip("the statement API path is SQLite's")
	}
	var days []SpendDay
	for d := range 5000 {
		days = append(days, SpendDay{TenantID: l.tenant, BrandID: "b", AdAccountID: "act_7", AdID: fmt.Sprintf("ad%05d", d), Day: "2026-10-05",
			Month: "2026-10", Currency: "EUR", Spend: 1})
	}
	if err := l.db.W.CreateInBatches(&days, 500).Error; err != nil {
		t.Fatal(err)
	}
	q := SpendExport{From: "2026-10-01", To: "2026-10-31", Reporting: "EUR"}
	n, err := l.ExportSpend(context.Background(), q, &failAfter{n: 2500})
	if !errors.Is(err, errWriter) || n != 2501 {
		t.Errorf("writer failure: %d rows, %v", n, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if n, err := l.ExportSpend(ctx, q, &failAfter{n: 100, cancel: cancel}); err == nil {
		t.Errorf("a request cancelled halfway: %d rows, %v", n, err)
	}
}
