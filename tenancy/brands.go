package tenancy

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/currency"
	"gorm.io/gorm"
)

// Messaging policy profiles (DESIGN §2).
const (
	PolicyMeta2017    = "meta-2017"
	PolicyMetaCurrent = "meta-current"
)

// Policies lists the valid policy profiles.
var Policies = []string{PolicyMetaCurrent, PolicyMeta2017}

// BrandInput is what creating a brand takes; in a patch, nil fields are left as they are.
type BrandInput struct {
	Name     *string `json:"name"`
	Currency *string `json:"currency"`
	Timezone *string `json:"timezone"`
	Policy   *string `json:"policy"`
	// Settings changes some of the brand's settings (PATCH only; a new brand starts with the defaults).
	Settings *SettingsInput `json:"settings"`
}

// Visible limits a listing to what the caller may see: every brand, or only the listed ones.
type Visible struct {
	All bool
	IDs []string
}

// ValidCurrency reports whether code is an ISO 4217 currency code.
func ValidCurrency(code string) bool {
	if len(code) != 3 || strings.ToUpper(code) != code {
		return false
	}
	_, err := currency.ParseISO(code)
	return err == nil
}

// ValidTimezone reports whether name is an IANA zone relance can schedule in ("Local" is not: it varies by host).
func ValidTimezone(name string) bool {
	if name == "" || name == "Local" {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// apply validates the input onto b; create requires every field but policy.
func (in BrandInput) apply(b *Brand, create bool) error {
	fe := fieldErrors{}
	if in.Name != nil || create {
		name := ""
		if in.Name != nil {
			name = *in.Name
		}
		b.Name = checkText(fe, "name", name, 100, true)
	}
	if in.Currency != nil || create {
		cur := ""
		if in.Currency != nil {
			cur = strings.ToUpper(strings.TrimSpace(*in.Currency))
		}
		if cur == "" {
			fe.add("currency", "is required")
		} else if !ValidCurrency(cur) {
			fe.add("currency", "must be an ISO 4217 code such as EUR or USD")
		}
		b.Currency = cur
	}
	if in.Timezone != nil || create {
		tz := ""
		if in.Timezone != nil {
			tz = strings.TrimSpace(*in.Timezone)
		}
		if tz == "" {
			fe.add("timezone", "is required")
		} else if !ValidTimezone(tz) {
			fe.add("timezone", "must be an IANA time zone such as Europe/Paris")
		}
		b.Timezone = tz
	}
	switch {
	case in.Policy != nil && contains(Policies, *in.Policy):
		b.Policy = *in.Policy
	case in.Policy != nil:
		fe.add("policy", "must be meta-current or meta-2017")
	case create:
		b.Policy = PolicyMetaCurrent
	}
	if in.Settings != nil {
		in.Settings.apply(fe, &b.Settings, b.Currency)
	}
	return fe.err()
}

// CreateBrand creates a brand in the tenant.
func (t *TenantStore) CreateBrand(ctx context.Context, in BrandInput) (Brand, error) {
	now := t.s.now()
	b := Brand{ID: NewID(), TenantID: t.tenantID, CreatedAt: now, UpdatedAt: now}
	if err := in.apply(&b, true); err != nil {
		return Brand{}, err
	}
	err := t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		if err := tx.Create(&b).Error; err != nil {
			return AuditEntry{}, nameTaken(err)
		}
		return AuditEntry{BrandID: b.ID, Action: ActionBrandCreate, ObjectType: "brand", ObjectID: b.ID,
			Summary: fmt.Sprintf("%s (%s, %s, %s)", b.Name, b.Currency, b.Timezone, b.Policy)}, nil
	})
	return b, translate("create brand", err)
}

// nameTaken turns a unique-name violation into a field error.
func nameTaken(err error) error {
	if isConflict(err) {
		return &ValidationError{Fields: map[string]string{"name": "is already used by another brand"}}
	}
	return err
}

// UpdateBrand changes the given fields of a brand.
func (t *TenantStore) UpdateBrand(ctx context.Context, id string, in BrandInput) (Brand, error) {
	b, err := t.Brand(ctx, id)
	if err != nil {
		return Brand{}, err
	}
	before := b
	if err := in.apply(&b, false); err != nil {
		return Brand{}, err
	}
	b.UpdatedAt = t.s.now()
	err = t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		res := tx.Model(&Brand{}).Where("tenant_id = ? AND id = ?", t.tenantID, b.ID).
			Updates(map[string]any{"name": b.Name, "currency": b.Currency, "timezone": b.Timezone,
				"policy": b.Policy, "settings": b.Settings, "updated_at": b.UpdatedAt})
		if res.Error != nil {
			return AuditEntry{}, nameTaken(res.Error)
		}
		return AuditEntry{BrandID: b.ID, Action: ActionBrandUpdate, ObjectType: "brand", ObjectID: b.ID,
			Summary: diffBrand(before, b)}, nil
	})
	return b, translate("update brand", err)
}

// diffBrand says what changed, for the audit log.
func diffBrand(a, b Brand) string {
	var parts []string
	add := func(field, x, y string) {
		if x != y {
			parts = append(parts, fmt.Sprintf("%s: %s → %s", field, x, y))
		}
	}
	add("name", a.Name, b.Name)
	add("currency", a.Currency, b.Currency)
	add("timezone", a.Timezone, b.Timezone)
	add("policy", a.Policy, b.Policy)
	x, _ := json.Marshal(a.Settings)
	y, _ := json.Marshal(b.Settings)
	add("settings", string(x), string(y))
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, "; ")
}

// DeleteBrand deletes a brand that has no Page connected; disconnecting Pages first keeps the step deliberate.
func (t *TenantStore) DeleteBrand(ctx context.Context, id string) error {
	b, err := t.Brand(ctx, id)
	if err != nil {
		return err
	}
	err = t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		var pages int64
		if err := tx.Model(&Page{}).Where("tenant_id = ? AND brand_id = ?", t.tenantID, b.ID).Count(&pages).Error; err != nil {
			return AuditEntry{}, err
		}
		if pages > 0 {
			return AuditEntry{}, fmt.Errorf("tenancy: brand has %d connected Page(s); disconnect them first: %w", pages, ErrConflict)
		}
		if err := tx.Where("ptype = 'g' AND v2 = ?", brandDomain(t.tenantID, b.ID)).Delete(&casbinRule{}).Error; err != nil {
			return AuditEntry{}, err
		}
		if err := bumpRevision(tx); err != nil {
			return AuditEntry{}, err
		}
		if err := tx.Where("tenant_id = ? AND id = ?", t.tenantID, b.ID).Delete(&Brand{}).Error; err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{BrandID: b.ID, Action: ActionBrandDelete, ObjectType: "brand", ObjectID: b.ID, Summary: b.Name}, nil
	})
	if err != nil {
		return translate("delete brand", err)
	}
	return t.s.authz.Reload(ctx)
}

// Brand finds a brand of the tenant.
func (t *TenantStore) Brand(ctx context.Context, id string) (Brand, error) {
	var b Brand
	if !validID(id) {
		return b, fmt.Errorf("tenancy: brand: %w", ErrNotFound)
	}
	err := t.r(ctx).Where("id = ?", id).Take(&b).Error
	return b, translate("brand", err)
}

// Brands lists the visible brands, newest first.
func (t *TenantStore) Brands(ctx context.Context, v Visible, c Cursor) ([]Brand, string, error) {
	if !v.All && len(v.IDs) == 0 {
		return nil, "", nil
	}
	q := t.r(ctx)
	if !v.All {
		q = q.Where("id IN ?", v.IDs)
	}
	q, err := c.apply(q, "brands")
	if err != nil {
		return nil, "", err
	}
	var rows []Brand
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", translate("brands", err)
	}
	rows, nxt := next(rows, c, func(b Brand) string { return b.ID })
	return rows, nxt, nil
}

// CountBrands counts the visible brands.
func (t *TenantStore) CountBrands(ctx context.Context, v Visible) (int64, error) {
	if !v.All && len(v.IDs) == 0 {
		return 0, nil
	}
	q := t.r(ctx).Model(&Brand{})
	if !v.All {
		q = q.Where("id IN ?", v.IDs)
	}
	var n int64
	err := q.Count(&n).Error
	return n, translate("count brands", err)
}
