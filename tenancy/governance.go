package tenancy

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// conflictError is a conflict with its own explanation for people; errors.Is(err, ErrConflict) holds.
type conflictError struct{ msg string }

func (e conflictError) Error() string        { return e.msg }
func (e conflictError) Is(target error) bool { return target == ErrConflict }

// Explain is the conflict's whole explanation for people (web shows it as it is).
func (e conflictError) Explain() string { return e.msg }

// Governance conflicts.
var (
	// ErrLastAdmin refuses a change that would leave the agency without an enabled agency_admin.
	ErrLastAdmin error = conflictError{"this is the agency's last agency_admin: make someone else agency_admin first"}
	// ErrSelf refuses disabling one's own account.
	ErrSelf error = conflictError{"you cannot disable your own account"}
)

// ResetLifetime is how long a password-reset link works.
const ResetLifetime = 24 * time.Hour

// CanManage reports whether the context's actor may manage u: with users:manage any user of the agency; with
// brand_users:manage only users whose every role is on a brand the actor manages. The command line and the
// system may manage anyone.
func (t *TenantStore) CanManage(ctx context.Context, u User) bool {
	a := ActorFrom(ctx)
	if a.UserID == "" || t.s.authz.Can(t.tenantID, a.UserID, "", PermUsersManage) {
		return true
	}
	roles := t.s.authz.Bindings(t.tenantID, u.ID)
	for _, b := range roles {
		if b.BrandID == "" || !t.s.authz.Can(t.tenantID, a.UserID, b.BrandID, PermBrandUsersManage) {
			return false
		}
	}
	return len(roles) > 0
}

// ManagedUser finds a user of the tenant that the actor may manage; another is ErrNotFound, as a user of
// another agency is.
func (t *TenantStore) ManagedUser(ctx context.Context, id string) (User, error) {
	u, err := t.User(ctx, id)
	if err != nil {
		return u, err
	}
	if !t.CanManage(ctx, u) {
		return User{}, fmt.Errorf("tenancy: user: %w", ErrNotFound)
	}
	return u, nil
}

// guardLastAdmin fails with ErrLastAdmin when, in tx, the agency would have no enabled agency_admin other than
// userID. It first writes the tenant's row so that two such changes on PostgreSQL wait for each other instead
// of each seeing the other admin still there.
func (t *TenantStore) guardLastAdmin(tx *gorm.DB, userID string) error {
	if err := tx.Exec("UPDATE tenants SET slug = slug WHERE id = ?", t.tenantID).Error; err != nil {
		return err
	}
	var others int64
	err := tx.Raw(`SELECT COUNT(*) FROM casbin_rules r JOIN users u ON r.v0 = 'u:' || u.id
		WHERE r.ptype = 'g' AND r.v1 = ? AND r.v2 = ? AND u.tenant_id = ? AND u.disabled_at IS NULL AND u.id <> ?`,
		RoleAgencyAdmin, tenantDomain(t.tenantID), t.tenantID, userID).Scan(&others).Error
	if err != nil {
		return err
	}
	if others == 0 {
		return ErrLastAdmin
	}
	return nil
}

// DisableUser stops a user at once: their sessions end, and their sessions and API tokens are refused from then
// on (both look the user up on every request). The last enabled agency_admin cannot be disabled, nor oneself.
func (t *TenantStore) DisableUser(ctx context.Context, id string) (User, error) {
	u, err := t.ManagedUser(ctx, id)
	if err != nil {
		return u, err
	}
	if ActorFrom(ctx).UserID == u.ID {
		return u, ErrSelf
	}
	now := t.s.now()
	isAdmin := t.s.authz.Can(t.tenantID, u.ID, "", PermUsersManage)
	err = t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		if isAdmin {
			if err := t.guardLastAdmin(tx, u.ID); err != nil {
				return AuditEntry{}, err
			}
		}
		if err := tx.Model(&User{}).Where("tenant_id = ? AND id = ?", t.tenantID, u.ID).Update("disabled_at", now).Error; err != nil {
			return AuditEntry{}, err
		}
		if err := tx.Where("user_id = ?", u.ID).Delete(&Session{}).Error; err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: ActionUserDisable, ObjectType: "user", ObjectID: u.ID, Summary: u.Email}, nil
	})
	if err != nil {
		return u, translate("disable user", err)
	}
	u.DisabledAt = &now
	return u, nil
}

// EnableUser lets a disabled user log in again (their old sessions stay ended).
func (t *TenantStore) EnableUser(ctx context.Context, id string) (User, error) {
	u, err := t.ManagedUser(ctx, id)
	if err != nil {
		return u, err
	}
	err = t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		if err := tx.Model(&User{}).Where("tenant_id = ? AND id = ?", t.tenantID, u.ID).Update("disabled_at", nil).Error; err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: ActionUserEnable, ObjectType: "user", ObjectID: u.ID, Summary: u.Email}, nil
	})
	if err != nil {
		return u, translate("enable user", err)
	}
	u.DisabledAt = nil
	return u, nil
}

// StartPasswordReset replaces the user's password with none that anyone knows, ends their sessions, and returns
// the secret of a one-time link, valid ResetLifetime, through which they choose a new one. Only its hash is
// kept. Their API tokens keep working: disabling the user is what stops everything.
func (t *TenantStore) StartPasswordReset(ctx context.Context, id string) (string, time.Time, error) {
	u, err := t.ManagedUser(ctx, id)
	if err != nil {
		return "", time.Time{}, err
	}
	secret := randomToken(32)
	expires := t.s.now().Add(ResetLifetime)
	err = t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		if err := tx.Model(&User{}).Where("tenant_id = ? AND id = ?", t.tenantID, u.ID).Updates(map[string]any{
			"password_hash": HashPassword(randomToken(32)), "must_change_password": true,
			"reset_hash": hashSecret(secret), "reset_expires_at": expires}).Error; err != nil {
			return AuditEntry{}, err
		}
		if err := tx.Where("user_id = ?", u.ID).Delete(&Session{}).Error; err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: ActionUserPasswordReset, ObjectType: "user", ObjectID: u.ID, Summary: u.Email}, nil
	})
	if err != nil {
		return "", time.Time{}, translate("password reset", err)
	}
	return secret, expires, nil
}

// ResetUser returns the user a live password-reset secret belongs to; an unknown, used or expired one is
// ErrNotFound.
func (s *Store) ResetUser(ctx context.Context, secret string) (User, error) {
	var u User
	if len(secret) < 20 || len(secret) > 100 {
		return u, fmt.Errorf("tenancy: password reset: %w", ErrNotFound)
	}
	err := s.db.R.WithContext(ctx).Where("reset_hash = ? AND reset_expires_at > ?", hashSecret(secret), s.now()).Take(&u).Error
	return u, translate("password reset", err)
}

// CompletePasswordReset sets the password chosen through a reset link and spends the link.
func (s *Store) CompletePasswordReset(ctx context.Context, secret, password string) (User, error) {
	u, err := s.ResetUser(ctx, secret)
	if err != nil {
		return u, err
	}
	fe := fieldErrors{}
	checkNewPassword(fe, "new_password", password)
	if err := fe.err(); err != nil {
		return u, err
	}
	ctx = WithActor(ctx, Actor{UserID: u.ID, Label: u.Email, IP: ActorFrom(ctx).IP, RequestID: ActorFrom(ctx).RequestID})
	err = s.Tenant(u.TenantID).change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		// Conditional on the hash, so that a link used twice at once sets one password.
		res := tx.Model(&User{}).Where("id = ? AND reset_hash = ?", u.ID, hashSecret(secret)).Updates(map[string]any{
			"password_hash": HashPassword(password), "must_change_password": false, "reset_hash": "", "reset_expires_at": nil})
		if res.Error != nil {
			return AuditEntry{}, res.Error
		}
		if res.RowsAffected == 0 {
			return AuditEntry{}, ErrNotFound
		}
		return AuditEntry{Action: ActionUserPassword, ObjectType: "user", ObjectID: u.ID, Summary: u.Email + " through a reset link"}, nil
	})
	if err != nil {
		return u, translate("password reset", err)
	}
	return u, nil
}
