package tenancy

import (
	"context"
	"regexp"
	"strings"

	"gorm.io/gorm"
)

var slugRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// CreateTenant creates an agency.
func (s *Store) CreateTenant(ctx context.Context, name, slug string) (Tenant, error) {
	fe := fieldErrors{}
	name = checkText(fe, "name", name, 200, true)
	slug = strings.ToLower(strings.TrimSpace(slug))
	if !slugRe.MatchString(slug) {
		fe.add("slug", "must be 2–63 lower-case letters, digits or dashes")
	}
	if err := fe.err(); err != nil {
		return Tenant{}, err
	}
	t := Tenant{ID: NewID(), Name: name, Slug: slug, CreatedAt: s.now()}
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&t).Error; err != nil {
			return err
		}
		return s.audit(ctx, tx, t.ID, AuditEntry{Action: ActionTenantCreate, ObjectType: "tenant", ObjectID: t.ID, Summary: t.Name})
	})
	return t, translate("create tenant", err)
}

// TenantBySlug finds an agency by its slug.
func (s *Store) TenantBySlug(ctx context.Context, slug string) (Tenant, error) {
	var t Tenant
	err := s.db.R.WithContext(ctx).Where("slug = ?", strings.ToLower(slug)).Take(&t).Error
	return t, translate("tenant by slug", err)
}

// TenantByID finds an agency by id.
func (s *Store) TenantByID(ctx context.Context, id string) (Tenant, error) {
	var t Tenant
	err := s.db.R.WithContext(ctx).Where("id = ?", id).Take(&t).Error
	return t, translate("tenant by id", err)
}

// CountTenants returns how many agencies exist (zero means a fresh install).
func (s *Store) CountTenants(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.R.WithContext(ctx).Model(&Tenant{}).Count(&n).Error
	return n, translate("count tenants", err)
}
