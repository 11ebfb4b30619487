package fx

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"relance/database"
	"relance/tenancy"
)

// importBatch is how many rates one INSERT writes.
const importBatch = 500

// MaxManualRates bounds one request of manual rates.
const MaxManualRates = 1000

// rateRow is a stored rate; TenantID is "" for the ECB's.
type rateRow struct {
	TenantID  string
	Day       string
	Base      string
	Quote     string
	Rate      string
	Source    string
	CreatedAt int64
}

// TableName names the table.
func (rateRow) TableName() string { return "fx_rates" }

// Store reads and writes rates.
type Store struct {
	db  *database.DB
	now func() time.Time
}

// NewStore binds a store to the database; now is the clock (nil: time.Now).
func NewStore(db *database.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}
}

// upsert writes rates in batches in tx; a rate already stored for the same owner, pair and day is replaced
// (the ECB corrects a published rate now and then; an agency corrects its own).
func upsert(tx *gorm.DB, rows []rateRow) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "tenant_id"}, {Name: "base"}, {Name: "quote"}, {Name: "day"}},
		DoUpdates: clause.AssignmentColumns([]string{"rate", "source", "created_at"}),
	}).CreateInBatches(rows, importBatch).Error
}

// ImportECB stores the rates of an ECB reference CSV for every agency, in one transaction: a file that fails
// half-way leaves the stored rates as they were.
func (s *Store) ImportECB(ctx context.Context, r io.Reader) (ECBSummary, error) {
	var sum ECBSummary
	now := s.now().UnixMilli()
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		batch := make([]rateRow, 0, importBatch)
		var err error
		sum, err = ParseECB(r, func(rt Rate) error {
			batch = append(batch, rateRow{Day: rt.Day, Base: rt.Base, Quote: rt.Quote, Rate: rt.Rate, Source: SourceECB, CreatedAt: now})
			if len(batch) == importBatch {
				err := upsert(tx, batch)
				batch = batch[:0]
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
		return upsert(tx, batch)
	})
	if err != nil {
		return ECBSummary{}, fmt.Errorf("fx: import: %w", err)
	}
	return sum, nil
}

// RateInput is one manual rate as the API takes it: on Date, 1 Base = Rate Quote.
type RateInput struct {
	Date  string `json:"date"`
	Base  string `json:"base"`
	Quote string `json:"quote"`
	Rate  string `json:"rate"`
}

// AddManual stores an agency's own rates, all or none, audited. Each invalid field is named by its path
// (rates[2].rate); a day after tomorrow (UTC) is refused: a rate is a published fact, not a forecast.
func (s *Store) AddManual(ctx context.Context, tenantID string, in []RateInput) ([]Rate, error) {
	fields := map[string]string{}
	switch {
	case len(in) == 0:
		fields["rates"] = "must list at least one rate"
	case len(in) > MaxManualRates:
		fields["rates"] = fmt.Sprintf("must list at most %d rates", MaxManualRates)
	}
	latest := s.now().UTC().AddDate(0, 0, 1).Format(dayLayout)
	seen := map[[3]string]int{}
	out := make([]Rate, 0, len(in))
	for i, r := range in {
		at := func(f string) string { return fmt.Sprintf("rates[%d].%s", i, f) }
		d, err := parseDay(r.Date)
		day := d.Format(dayLayout)
		switch {
		case err != nil:
			fields[at("date")] = "must be a date YYYY-MM-DD"
		case day > latest:
			fields[at("date")] = "must not be in the future"
		}
		base, errB := currencyCode(r.Base)
		if errB != nil {
			fields[at("base")] = "must be an ISO 4217 currency code such as USD"
		}
		quote, errQ := currencyCode(r.Quote)
		switch {
		case errQ != nil:
			fields[at("quote")] = "must be an ISO 4217 currency code such as VND"
		case errB == nil && base == quote:
			fields[at("quote")] = "must differ from base"
		}
		if _, err := parseRate(r.Rate); err != nil {
			fields[at("rate")] = "must be a decimal string above zero with a dot, such as \"25345.5\" (no thousands separators)"
		}
		k := [3]string{day, base, quote}
		if j, dup := seen[k]; dup && err == nil && errB == nil && errQ == nil {
			fields[at("date")] = fmt.Sprintf("repeats rates[%d] (same date, base and quote)", j)
		}
		seen[k] = i
		out = append(out, Rate{Day: day, Base: base, Quote: quote, Rate: normalRate(r.Rate), Source: SourceManual})
	}
	if len(fields) > 0 {
		return nil, &tenancy.ValidationError{Fields: fields}
	}
	now := s.now().UnixMilli()
	rows := make([]rateRow, len(out))
	for i, r := range out {
		rows[i] = rateRow{TenantID: tenantID, Day: r.Day, Base: r.Base, Quote: r.Quote, Rate: r.Rate, Source: SourceManual, CreatedAt: now}
	}
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := upsert(tx, rows); err != nil {
			return err
		}
		return tenancy.RecordAudit(ctx, tx, tenantID, tenancy.AuditEntry{Action: tenancy.ActionFXRatesAdd,
			ObjectType: "fx_rate", ObjectID: out[0].Base + "/" + out[0].Quote, Summary: manualSummary(out)})
	})
	if err != nil {
		return nil, fmt.Errorf("fx: add rates: %w", err)
	}
	return out, nil
}

// manualSummary describes added rates for the audit log.
func manualSummary(rs []Rate) string {
	var b strings.Builder
	for i, r := range rs {
		if i == 3 {
			fmt.Fprintf(&b, " and %d more", len(rs)-3)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s 1 %s = %s %s", r.Day, r.Base, r.Rate, r.Quote)
	}
	return b.String()
}

// Table loads the rates an agency may use from day from to day to (YYYY-MM-DD), with the Lookback days before.
func (s *Store) Table(ctx context.Context, tenantID, from, to string) (*Table, error) {
	f, err := parseDay(from)
	if err != nil {
		return nil, err
	}
	if _, err := parseDay(to); err != nil {
		return nil, err
	}
	var rows []rateRow
	err = s.db.R.WithContext(ctx).Where("tenant_id IN ? AND day >= ? AND day <= ?", []string{"", tenantID},
		f.AddDate(0, 0, -Lookback).Format(dayLayout), to).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("fx: table: %w", err)
	}
	rates := make([]Rate, len(rows))
	for i, r := range rows {
		rates[i] = Rate{Day: r.Day, Base: r.Base, Quote: r.Quote, Rate: r.Rate, Source: r.Source}
	}
	return NewTable(rates)
}

// Latest is the newest day with any rate the agency may use, "" when there is none.
func (s *Store) Latest(ctx context.Context, tenantID string) (string, error) {
	var day *string
	err := s.db.R.WithContext(ctx).Model(&rateRow{}).Where("tenant_id IN ?", []string{"", tenantID}).Select("MAX(day)").Scan(&day).Error
	if err != nil {
		return "", fmt.Errorf("fx: latest: %w", err)
	}
	if day == nil {
		return "", nil
	}
	return *day, nil
}
