package attribution

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"relance/database"
	"relance/meta"
	"relance/tenancy"
)

// conversionRow is the stored form; times are epoch milliseconds UTC.
type conversionRow struct {
	ID, TenantID, BrandID, ExternalID, ContactID, PageID string
	PSID                                                 string `gorm:"column:psid"`
	Type                                                 string
	Value                                                int64
	Currency                                             string
	OccurredAt                                           int64
	Source                                               string
	CreatedAt                                            int64
	CAPIStatus                                           string `gorm:"column:capi_status"`
	CAPIClaim                                            string `gorm:"column:capi_claim"`
	CAPIClaimedAt                                        int64  `gorm:"column:capi_claimed_at"`
	CAPISentAt                                           int64  `gorm:"column:capi_sent_at"`
	CAPIError                                            string `gorm:"column:capi_error"`
}

// TableName names the table.
func (conversionRow) TableName() string { return "conversions" }

// view is the row as the API shows it.
func (r conversionRow) view() Conversion {
	c := Conversion{ID: r.ID, BrandID: r.BrandID, ExternalID: r.ExternalID, ContactID: r.ContactID, PageID: r.PageID,
		PSID: r.PSID, Type: r.Type, Value: Value{Amount: meta.FormatDecimal(meta.Money{Minor: r.Value, Currency: r.Currency}), Currency: r.Currency},
		OccurredAt: time.UnixMilli(r.OccurredAt).UTC(), Source: r.Source, CreatedAt: time.UnixMilli(r.CreatedAt).UTC(),
		CAPI: CAPIState{Status: r.CAPIStatus, Error: r.CAPIError}}
	if c.CAPI.Status == CAPISending {
		c.CAPI.Status = CAPIPending // a claim in progress is still pending to the reader
	}
	if r.CAPIStatus != CAPIOff {
		c.CAPI.EventID = r.ID
	}
	if r.CAPISentAt > 0 {
		t := time.UnixMilli(r.CAPISentAt).UTC()
		c.CAPI.SentAt = &t
	}
	return c
}

// Store reads and writes one brand's conversions.
type Store struct {
	db     *database.DB
	tenant string
	brand  tenancy.Brand
	now    func() time.Time
}

// NewStore binds a store to a brand; now is the clock (nil: time.Now).
func NewStore(db *database.DB, tenantID string, brand tenancy.Brand, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, tenant: tenantID, brand: brand, now: now}
}

// contactKey is a contact's id and Page-scoped identity.
type contactKey struct {
	ID, PageID string
	PSID       string `gorm:"column:psid"`
}

// resolve finds the contact a checked input names, in the brand.
func (s *Store) resolve(tx *gorm.DB, c checked) (contactKey, error) {
	q := tx.Table("contacts").Select("id, page_id, psid").Where("tenant_id = ? AND brand_id = ?", s.tenant, s.brand.ID)
	if c.in.ContactID != "" {
		q = q.Where("id = ?", c.in.ContactID)
	} else {
		q = q.Where("page_id = ? AND psid = ?", c.in.PageID, c.in.PSID)
	}
	var rows []contactKey
	if err := q.Limit(1).Scan(&rows).Error; err != nil {
		return contactKey{}, err
	}
	if len(rows) == 0 {
		return contactKey{}, ErrUnknownContact
	}
	return rows[0], nil
}

// capiStatus is where forwarding starts for a conversion that occurred at t.
func (s *Store) capiStatus(t time.Time) string {
	switch {
	case !s.brand.Settings.Effective().CAPIForwarding:
		return CAPIOff
	case s.now().Sub(t) > meta.CAPIMaxAge:
		return CAPITooOld
	}
	return CAPIPending
}

// Create stores a conversion; created is false when the external_id was already stored, in which case the
// stored conversion is answered and nothing changes.
func (s *Store) Create(ctx context.Context, in ConversionInput) (Conversion, bool, error) {
	return s.create(ctx, in, SourceAPI)
}

// create is Create for a source: the API's and the brand rules' conversions take the same path, so report
// credit and Conversions API forwarding treat them alike.
func (s *Store) create(ctx context.Context, in ConversionInput, source string) (Conversion, bool, error) {
	fields := map[string]string{}
	c := check(in, s.now(), func(f, r string) { fields[f] = r })
	if err := validationError(fields); err != nil {
		return Conversion{}, false, err
	}
	var out conversionRow
	created := false
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if prior, ok, err := s.byExternal(tx, c.in.ExternalID); err != nil || ok {
			out = prior
			return err
		}
		k, err := s.resolve(tx, c)
		if errors.Is(err, ErrUnknownContact) {
			f := "contact_id"
			if c.in.ContactID == "" {
				f = "psid"
			}
			return &tenancy.ValidationError{Fields: map[string]string{f: "names no contact of this brand: relance credits only people the brand talked with"}}
		}
		if err != nil {
			return err
		}
		out = s.row(c, k, source)
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&out)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 { // stored by a concurrent request between the read and the insert
			prior, _, err := s.byExternal(tx, c.in.ExternalID)
			out = prior
			return err
		}
		created = true
		return recredit(ctx, tx, []conversionRow{out}, s.zone, false)
	})
	if err != nil {
		var v *tenancy.ValidationError
		if errors.As(err, &v) {
			return Conversion{}, false, err
		}
		return Conversion{}, false, fmt.Errorf("attribution: create conversion: %w", err)
	}
	return out.view(), created, nil
}

// row builds the row of a checked input for contact k.
func (s *Store) row(c checked, k contactKey, source string) conversionRow {
	return conversionRow{ID: tenancy.NewID(), TenantID: s.tenant, BrandID: s.brand.ID, ExternalID: c.in.ExternalID,
		ContactID: k.ID, PageID: k.PageID, PSID: k.PSID, Type: c.in.Type, Value: c.value.Minor, Currency: c.value.Currency,
		OccurredAt: c.occurred.UnixMilli(), Source: source, CreatedAt: s.now().UnixMilli(), CAPIStatus: s.capiStatus(c.occurred)}
}

// zone is the brand's time zone, whose days report rollups count by.
func (s *Store) zone(string) *time.Location {
	loc, err := time.LoadLocation(s.brand.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// byExternal reads the brand's conversion with an external id.
func (s *Store) byExternal(tx *gorm.DB, ext string) (conversionRow, bool, error) {
	var rows []conversionRow
	err := tx.Where("tenant_id = ? AND brand_id = ? AND external_id = ?", s.tenant, s.brand.ID, ext).Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return conversionRow{}, false, err
	}
	return rows[0], true, nil
}

// Get reads one of the brand's conversions; tenancy.ErrNotFound otherwise.
func (s *Store) Get(ctx context.Context, id string) (Conversion, error) {
	var rows []conversionRow
	err := s.db.R.WithContext(ctx).Where("tenant_id = ? AND brand_id = ? AND id = ?", s.tenant, s.brand.ID, id).Limit(1).Find(&rows).Error
	if err != nil {
		return Conversion{}, fmt.Errorf("attribution: conversion: %w", err)
	}
	if len(rows) == 0 {
		return Conversion{}, fmt.Errorf("attribution: conversion: %w", tenancy.ErrNotFound)
	}
	return rows[0].view(), nil
}

// List pages the brand's conversions, newest first.
func (s *Store) List(ctx context.Context, cur tenancy.Cursor) ([]Conversion, string, error) {
	limit := cur.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := s.db.R.WithContext(ctx).Where("tenant_id = ? AND brand_id = ?", s.tenant, s.brand.ID)
	if cur.After != "" {
		var at int64
		var id string
		if _, err := fmt.Sscanf(cur.After, "%d/%s", &at, &id); err == nil {
			q = q.Where("(occurred_at < ?) OR (occurred_at = ? AND id < ?)", at, at, id)
		}
	}
	var rows []conversionRow
	if err := q.Order("occurred_at DESC, id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("attribution: conversions: %w", err)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next = fmt.Sprintf("%d/%s", last.OccurredAt, last.ID)
	}
	out := make([]Conversion, len(rows))
	for i, r := range rows {
		out[i] = r.view()
	}
	return out, next, nil
}
