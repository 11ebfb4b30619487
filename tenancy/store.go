package tenancy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"relance/database"
)

// Store is the entry to tenancy data. Tenant-owned data is only reachable through Tenant(id), so that a query
// without its tenant is hard to write by accident.
type Store struct {
	db    *database.DB
	vault *Vault
	authz *Authorizer
	now   func() time.Time
}

// NewStore returns a Store over a migrated db, with the role policy loaded; vault encrypts Page tokens.
func NewStore(ctx context.Context, db *database.DB, vault *Vault) (*Store, error) {
	a, err := newAuthorizer(db)
	if err != nil {
		return nil, err
	}
	if err := a.Reload(ctx); err != nil {
		return nil, err
	}
	return &Store{db: db, vault: vault, authz: a, now: func() time.Time { return time.Now().UTC() }}, nil
}

// Authz returns the authorizer that answers permission questions.
func (s *Store) Authz() *Authorizer { return s.authz }

// Vault returns the secret sealer (Page tokens are opened with it by the Meta client).
func (s *Store) Vault() *Vault { return s.vault }

// DB exposes the database for packages that share its transactions (tests, wiring).
func (s *Store) DB() *database.DB { return s.db }

// TenantStore is a Store bound to one tenant: every query it runs is scoped by tenant_id.
type TenantStore struct {
	s        *Store
	tenantID string
}

// Tenant binds the store to a tenant.
func (s *Store) Tenant(tenantID string) *TenantStore {
	return &TenantStore{s: s, tenantID: tenantID}
}

// ID is the bound tenant's id.
func (t *TenantStore) ID() string { return t.tenantID }

// r returns a read query scoped to the tenant.
func (t *TenantStore) r(ctx context.Context) *gorm.DB {
	return t.s.db.R.WithContext(ctx).Where("tenant_id = ?", t.tenantID)
}

// change runs fn in a write transaction and appends the audit entry it returns, so that a change and its
// audit record commit together or not at all.
func (t *TenantStore) change(ctx context.Context, fn func(tx *gorm.DB) (AuditEntry, error)) error {
	return t.s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		entry, err := fn(tx)
		if err != nil {
			return err
		}
		return t.s.audit(ctx, tx, t.tenantID, entry)
	})
}

// translate maps driver errors onto the package's sentinels.
func translate(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("tenancy: %s: %w", op, ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("tenancy: %s: %w", op, ErrConflict)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return fmt.Errorf("tenancy: %s: %w", op, ErrConflict)
	}
	var v *ValidationError
	if errors.As(err, &v) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) || errors.Is(err, ErrForbidden) {
		return err
	}
	return fmt.Errorf("tenancy: %s: %w", op, err)
}

// isConflict reports a unique or foreign-key violation.
func isConflict(err error) bool {
	return errors.Is(err, gorm.ErrDuplicatedKey) || errors.Is(err, gorm.ErrForeignKeyViolated)
}

// isNotFound reports a missing row.
func isNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }
