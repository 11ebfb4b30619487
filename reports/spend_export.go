package reports

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"relance/database"
	"relance/fx"
	"relance/meta"
	"relance/tenancy"
)

// MaxExportDays bounds the days of one ledger export.
const MaxExportDays = 1100

// Row types of a ledger export.
const (
	RowLedger     = "ledger"
	RowAdjustment = "adjustment"
)

// SpendExport is what a ledger export holds: the ledger's rows of the days From..To (inclusive, each ad
// account's own days) and the adjustments booked in the months those days touch, optionally of one brand or
// one ad account, with spend converted to Reporting.
type SpendExport struct {
	From        string `json:"from"`
	To          string `json:"to"`
	BrandID     string `json:"brand,omitempty"`
	AdAccountID string `json:"ad_account,omitempty"`
	Reporting   string `json:"currency"`
}

// Check validates an export's parameters; errors name the field.
func (q SpendExport) Check() error {
	bad := map[string]string{}
	checkDays(q.From, q.To, MaxExportDays, bad)
	if len(q.Reporting) != 3 || strings.ToUpper(q.Reporting) != q.Reporting || meta.ISOMinorDigits(q.Reporting) < 0 {
		bad["currency"] = "must be an ISO 4217 currency code"
	}
	if len(bad) > 0 {
		return &tenancy.ValidationError{Fields: bad}
	}
	return nil
}

// Validate checks q and that its brand and ad account are the agency's (422 otherwise, without saying
// whether they exist elsewhere).
func (l *Ledger) Validate(ctx context.Context, q SpendExport) error {
	if err := q.Check(); err != nil {
		return err
	}
	bad := map[string]string{}
	if q.BrandID != "" {
		var n int64
		if err := l.db.R.WithContext(ctx).Model(&tenancy.Brand{}).Where("tenant_id = ? AND id = ?", l.tenant, q.BrandID).Count(&n).Error; err != nil {
			return fmt.Errorf("reports: export: %w", err)
		}
		if n == 0 {
			bad["brand"] = "is not one of the agency's brands"
		}
	}
	if q.AdAccountID != "" {
		var n int64
		if err := l.db.R.WithContext(ctx).Model(&tenancy.AdAccount{}).Where("tenant_id = ? AND account_id = ?", l.tenant, q.AdAccountID).
			Count(&n).Error; err != nil {
			return fmt.Errorf("reports: export: %w", err)
		}
		if n == 0 {
			bad["ad_account"] = "is not one of the agency's ad accounts (act_…)"
		}
	}
	if len(bad) > 0 {
		return &tenancy.ValidationError{Fields: bad}
	}
	return nil
}

// SpendColumns are a ledger export's columns.
var SpendColumns = []Column{
	{Name: "type", Kind: Text, Width: 11}, {Name: "day", Kind: Date, Width: 11}, {Name: "month", Kind: Text, Width: 8},
	{Name: "brand", Kind: Text, Width: 20}, {Name: "ad_account", Kind: Text, Width: 20}, {Name: "ad_id", Kind: Text, Width: 18},
	{Name: "ad_name", Kind: Text, Width: 24}, {Name: "currency", Kind: Text, Width: 8}, {Name: "spend", Kind: Amount, Width: 14},
	{Name: "impressions", Kind: Int, Width: 12}, {Name: "reach", Kind: Int, Width: 10}, {Name: "clicks", Kind: Int, Width: 9},
	{Name: "conversations", Kind: Int, Width: 13}, {Name: "replies", Kind: Int, Width: 9},
	{Name: "reporting_currency", Kind: Text, Width: 9}, {Name: "spend_reporting", Kind: Amount, Width: 16},
	{Name: "missing_rate", Kind: Text, Width: 12}, {Name: "note", Kind: Text, Width: 40},
}

// ExportSpend writes the export's rows to w, streamed from two cursors: the ledger's rows by ad account, ad
// and day (the primary key's order, read in order rather than sorted: a sort of a million rows costs more
// than the export), then the adjustments by booked month, day, ad account, ad and id. Memory does not grow
// with the rows, and the same books give the same file. A day without a rate gets an empty converted
// cell and "yes" in missing_rate, never 0. It returns the number of rows written; w is not closed.
func (l *Ledger) ExportSpend(ctx context.Context, q SpendExport, w RowWriter) (int, error) {
	if err := q.Check(); err != nil {
		return 0, err
	}
	names, err := l.brandNames(ctx)
	if err != nil {
		return 0, err
	}
	fromMonth, toMonth := q.From[:7], q.To[:7]
	filter, args := "tenant_id = ?", []any{l.tenant}
	if q.BrandID != "" {
		filter, args = filter+" AND brand_id = ?", append(args, q.BrandID)
	}
	if q.AdAccountID != "" {
		filter, args = filter+" AND ad_account_id = ?", append(args, q.AdAccountID)
	}
	// Adjustments convert at their restated day's rate, which may be long before the range.
	earliest := q.From
	var minAdj *string
	if err := l.db.R.WithContext(ctx).Model(&Adjustment{}).Where(filter+" AND month >= ? AND month <= ?", append(args, fromMonth, toMonth)...).
		Select("MIN(day)").Scan(&minAdj).Error; err != nil {
		return 0, fmt.Errorf("reports: export: %w", err)
	}
	if minAdj != nil && *minAdj < earliest {
		earliest = *minAdj
	}
	table, err := fx.NewStore(l.db, nil).Table(ctx, l.tenant, earliest, q.To)
	if err != nil {
		return 0, fmt.Errorf("reports: export: %w", err)
	}
	conv := newConverter(table, q.Reporting)
	n := 0
	row := make([]any, len(SpendColumns))
	row[14] = q.Reporting
	// A text cell is set only when it differs from the row before's: the rows come by ad account, ad and
	// day, so most stay, and each string put in a cell is one allocation, a million times over.
	var last [8]string
	set := func(i int, v string) {
		if row[i] == nil || last[i] != v {
			last[i], row[i] = v, v
		}
	}
	emit := func(typ, day, month, brand, account, ad, adName, cur string, f [6]int64, note string) error {
		rep, missing := Money{Currency: q.Reporting}, ""
		if v, ok := conv.convert(f[0], cur, day); ok {
			rep.Minor, rep.Valid = v, true
		} else {
			missing = "yes"
		}
		set(0, typ)
		set(1, day)
		set(2, month)
		if row[3] == nil || last[3] != brand {
			last[3], row[3] = brand, names[brand]
		}
		set(4, account)
		set(5, ad)
		set(6, adName)
		set(7, cur)
		row[8] = Money{Minor: f[0], Currency: cur, Valid: true}
		row[9], row[10], row[11], row[12], row[13] = f[1], f[2], f[3], f[4], f[5]
		row[15], row[16], row[17] = rep, missing, note
		n++
		return w.Write(row)
	}
	ledgerArgs := append(append([]any{}, args...), q.From, q.To)
	if l.db.Dialect == database.SQLite && !l.viaSQL {
		err = l.ledgerRowsSQLite(ctx, filter, ledgerArgs, func(r ledgerRec) error {
			return emit(RowLedger, r.day, r.month, r.brand, r.account, r.ad, r.adName, r.cur, r.f, "")
		})
	} else {
		err = l.ledgerRowsSQL(ctx, filter, ledgerArgs, func(r ledgerRec) error {
			return emit(RowLedger, r.day, r.month, r.brand, r.account, r.ad, r.adName, r.cur, r.f, "")
		})
	}
	if err != nil {
		return n, err
	}
	var day, month, brand, account, ad, cur, note string
	var f [6]int64
	rows, err := l.db.R.WithContext(ctx).Raw(`SELECT day, month, brand_id, ad_account_id, ad_id, currency, spend, impressions,
		reach, clicks, conversations, replies, reason FROM spend_adjustments WHERE `+filter+` AND month >= ? AND month <= ?
		ORDER BY month, day, ad_account_id, ad_id, created_at, id`, append(args, fromMonth, toMonth)...).Rows()
	if err != nil {
		return n, fmt.Errorf("reports: export: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		if err := rows.Scan(&day, &month, &brand, &account, &ad, &cur, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &note); err != nil {
			return n, fmt.Errorf("reports: export: %w", err)
		}
		if err := emit(RowAdjustment, day, month, brand, account, ad, "", cur, f, note); err != nil {
			return n, err
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("reports: export: %w", err)
	}
	return n, nil
}

// ledgerRowsSQL streams the ledger's rows to emit through database/sql (PostgreSQL, and the reference the
// SQLite path is tested against).
func (l *Ledger) ledgerRowsSQL(ctx context.Context, filter string, args []any, emit func(ledgerRec) error) error {
	rows, err := l.db.R.WithContext(ctx).Raw(ledgerQuery(filter), args...).Rows()
	if err != nil {
		return fmt.Errorf("reports: export: %w", err)
	}
	var r ledgerRec
	for rows.Next() {
		if err := rows.Scan(&r.day, &r.month, &r.brand, &r.account, &r.ad, &r.adName, &r.cur, &r.f[0], &r.f[1], &r.f[2], &r.f[3], &r.f[4], &r.f[5]); err != nil {
			_ = rows.Close()
			return fmt.Errorf("reports: export: %w", err)
		}
		if err := emit(r); err != nil {
			_ = rows.Close()
			return err
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("reports: export: %w", err)
	}
	return nil
}

// brandNames are the agency's brands' names by id.
func (l *Ledger) brandNames(ctx context.Context) (map[string]string, error) {
	var bs []tenancy.Brand
	if err := l.db.R.WithContext(ctx).Select("id", "name").Where("tenant_id = ?", l.tenant).Find(&bs).Error; err != nil {
		return nil, fmt.Errorf("reports: export: %w", err)
	}
	out := make(map[string]string, len(bs))
	for _, b := range bs {
		out[b.ID] = b.Name
	}
	return out, nil
}

// checkDays names in bad what is wrong with a range of days from..to (YYYY-MM-DD) at most max days long.
func checkDays(from, to string, max int, bad map[string]string) {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	switch {
	case err1 != nil:
		bad["from"] = "must be a date YYYY-MM-DD"
	case err2 != nil:
		bad["to"] = "must be a date YYYY-MM-DD"
	case t.Before(f):
		bad["to"] = "is before from"
	case t.Sub(f) > time.Duration(max)*24*time.Hour:
		bad["to"] = fmt.Sprintf("at most %d days after from", max)
	}
}
