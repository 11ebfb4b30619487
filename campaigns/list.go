package campaigns

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"relance/database"
	"relance/tenancy"
)

// Filter narrows a campaign listing; zero fields do not filter.
type Filter struct {
	State string
	Kind  string
}

// check refuses filter values that are not states or kinds, naming the query parameter.
func (f Filter) check() error {
	fe := map[string]string{}
	if f.State != "" && !slices.Contains(States, f.State) {
		fe["state"] = "must be one of the campaign states"
	}
	if f.Kind != "" && !slices.Contains(Kinds, f.Kind) {
		fe["kind"] = "must be one of the campaign kinds"
	}
	if len(fe) > 0 {
		return &tenancy.ValidationError{Fields: fe}
	}
	return nil
}

// List returns a page of the brand's campaigns, newest first, and the cursor of the next page.
func (s *Store) List(ctx context.Context, f Filter, cur tenancy.Cursor) ([]Campaign, string, error) {
	return ListBrands(ctx, s.db, s.tenant, []tenancy.Brand{s.brand}, f, cur, s.opts)
}

// ListBrands returns a page of campaigns across the given brands of a tenant (the caller passes only the
// brands it may see), newest first.
func ListBrands(ctx context.Context, db *database.DB, tenantID string, brands []tenancy.Brand, f Filter, cur tenancy.Cursor, opts Options) ([]Campaign, string, error) {
	if err := f.check(); err != nil {
		return nil, "", err
	}
	if len(brands) == 0 {
		return []Campaign{}, "", nil
	}
	limit := cur.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	ids := make([]string, len(brands))
	stores := make(map[string]*Store, len(brands))
	for i, b := range brands {
		ids[i] = b.ID
		stores[b.ID] = NewStore(db, tenantID, b, opts)
	}
	q := db.R.WithContext(ctx).Table("campaigns").Where("tenant_id = ? AND brand_id IN ?", tenantID, ids)
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if cur.After != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cur.After)
		if err != nil || uuid.Validate(string(raw)) != nil {
			return nil, "", tenancy.ErrBadCursor
		}
		q = q.Where("id < ?", string(raw))
	}
	var rows []campaignRow
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("campaigns: list: %w", err)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		next = base64.RawURLEncoding.EncodeToString([]byte(rows[limit-1].ID))
	}
	// One variants query per brand on the page (each brand shapes its rows in its own zone and currency).
	byBrand := map[string][]campaignRow{}
	for _, r := range rows {
		byBrand[r.BrandID] = append(byBrand[r.BrandID], r)
	}
	shaped := make(map[string]Campaign, len(rows))
	for brandID, rs := range byBrand {
		cs, err := stores[brandID].withVariants(ctx, rs)
		if err != nil {
			return nil, "", err
		}
		for _, c := range cs {
			shaped[c.ID] = c
		}
	}
	out := make([]Campaign, 0, len(rows))
	for _, r := range rows {
		out = append(out, shaped[r.ID])
	}
	return out, next, nil
}

// CompleteEnded completes the running and paused campaigns whose flight ended by now, each in its own
// transaction (audited as relance); brand loads a campaign's brand. It returns how many it completed.
func CompleteEnded(ctx context.Context, db *database.DB, now time.Time, opts Options) (int, error) {
	var rows []struct{ ID, TenantID, BrandID string }
	err := db.R.WithContext(ctx).Table("campaigns").Select("id, tenant_id, brand_id").
		Where("state IN ? AND ends_at > 0 AND ends_at <= ?", []string{StateRunning, StatePaused}, now.UnixMilli()).
		Limit(1000).Find(&rows).Error
	if err != nil {
		return 0, fmt.Errorf("campaigns: ended: %w", err)
	}
	n := 0
	for _, r := range rows {
		var b tenancy.Brand
		if err := db.R.WithContext(ctx).Where("tenant_id = ? AND id = ?", r.TenantID, r.BrandID).Take(&b).Error; err != nil {
			return n, fmt.Errorf("campaigns: ended: brand: %w", err)
		}
		_, err := NewStore(db, r.TenantID, b, opts).Act(ctx, r.ID, ActComplete, ActInput{})
		var se *StateError
		switch {
		case err == nil:
			n++
		case errors.As(err, &se):
			// Another instance completed or someone archived it meanwhile: nothing to do.
		default:
			return n, err
		}
	}
	return n, nil
}
