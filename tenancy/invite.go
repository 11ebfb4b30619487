package tenancy

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// InviteLifetime is how long an invitation link works: long enough to reach someone over a weekend.
const InviteLifetime = 72 * time.Hour

// InviteUser creates a user without a password anyone knows and returns the secret of a one-time link,
// valid InviteLifetime, through which they choose theirs (the password-reset link's page). Only the hash of
// the secret is kept; an unused invitation is renewed with a password reset.
func (t *TenantStore) InviteUser(ctx context.Context, in NewUser) (User, string, time.Time, error) {
	in.Password, in.MustChangePassword = GeneratePassword(), true
	secret := randomToken(32)
	expires := t.s.now().Add(InviteLifetime)
	u, err := t.createUser(ctx, in, func(u *User) {
		u.ResetHash, u.ResetExpiresAt = hashSecret(secret), &expires
	}, ActionUserInvite)
	if err != nil {
		return User{}, "", time.Time{}, err
	}
	return u, secret, expires, nil
}

// RevokeUserToken revokes one of a managed user's API tokens (an admin stopping a leaked token without
// disabling its user).
func (t *TenantStore) RevokeUserToken(ctx context.Context, userID, tokenID string) error {
	u, err := t.ManagedUser(ctx, userID)
	if err != nil {
		return err
	}
	if !validID(tokenID) {
		return fmt.Errorf("tenancy: token: %w", ErrNotFound)
	}
	return translate("revoke token", t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		var tok APIToken
		if err := tx.Where("tenant_id = ? AND user_id = ? AND id = ? AND revoked_at IS NULL", t.tenantID, u.ID, tokenID).
			Take(&tok).Error; err != nil {
			return AuditEntry{}, err
		}
		if err := tx.Model(&APIToken{}).Where("id = ?", tok.ID).Update("revoked_at", t.s.now()).Error; err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: ActionTokenRevoke, ObjectType: "api_token", ObjectID: tok.ID,
			Summary: fmt.Sprintf("%s of %s", tok.Name, u.Email)}, nil
	}))
}
