package tenancy

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// tokenPrefix marks relance API tokens so that secret scanners and people recognize them.
const tokenPrefix = "rlc_"

// CreateToken creates an API token for a user of the tenant and returns its secret, which is never shown again.
func (t *TenantStore) CreateToken(ctx context.Context, userID, name string) (APIToken, string, error) {
	u, err := t.User(ctx, userID)
	if err != nil {
		return APIToken{}, "", err
	}
	fe := fieldErrors{}
	name = checkText(fe, "name", name, 100, true)
	if err := fe.err(); err != nil {
		return APIToken{}, "", err
	}
	secret := tokenPrefix + randomToken(32)
	tok := APIToken{ID: NewID(), TenantID: t.tenantID, UserID: u.ID, Name: name, TokenHash: hashSecret(secret),
		Prefix: secret[:len(tokenPrefix)+6], CreatedAt: t.s.now()}
	err = t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		return AuditEntry{Action: ActionTokenCreate, ObjectType: "api_token", ObjectID: tok.ID,
			Summary: fmt.Sprintf("%s for %s", name, u.Email)}, tx.Create(&tok).Error
	})
	return tok, secret, translate("create token", err)
}

// Tokens lists a user's tokens, newest first, revoked ones included.
func (t *TenantStore) Tokens(ctx context.Context, userID string) ([]APIToken, error) {
	var rows []APIToken
	err := t.r(ctx).Where("user_id = ?", userID).Order("id DESC").Find(&rows).Error
	return rows, translate("tokens", err)
}

// RevokeToken revokes one of the user's tokens.
func (t *TenantStore) RevokeToken(ctx context.Context, userID, id string) error {
	if !validID(id) {
		return fmt.Errorf("tenancy: token: %w", ErrNotFound)
	}
	return translate("revoke token", t.change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		var tok APIToken
		if err := tx.Where("tenant_id = ? AND user_id = ? AND id = ? AND revoked_at IS NULL", t.tenantID, userID, id).
			Take(&tok).Error; err != nil {
			return AuditEntry{}, err
		}
		if err := tx.Model(&APIToken{}).Where("id = ?", tok.ID).Update("revoked_at", t.s.now()).Error; err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: ActionTokenRevoke, ObjectType: "api_token", ObjectID: tok.ID, Summary: tok.Name}, nil
	}))
}

// LookupToken returns the live token for a bearer secret and its user; it records the last use (at most
// once a minute, like sessions).
func (s *Store) LookupToken(ctx context.Context, secret string) (APIToken, User, error) {
	var tok APIToken
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 100 {
		return tok, User{}, ErrSessionExpired
	}
	if err := s.db.R.WithContext(ctx).Where("token_hash = ? AND revoked_at IS NULL", hashSecret(secret)).Take(&tok).Error; err != nil {
		if isNotFound(err) {
			return tok, User{}, ErrSessionExpired
		}
		return tok, User{}, fmt.Errorf("tenancy: token: %w", err)
	}
	var u User
	if err := s.db.R.WithContext(ctx).Where("id = ? AND tenant_id = ?", tok.UserID, tok.TenantID).Take(&u).Error; err != nil || u.DisabledAt != nil {
		return tok, User{}, ErrSessionExpired
	}
	now := s.now()
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= touchEvery {
		tok.LastUsedAt = &now
		if err := s.db.W.WithContext(ctx).Model(&APIToken{}).Where("id = ?", tok.ID).Update("last_used_at", now).Error; err != nil {
			return tok, User{}, fmt.Errorf("tenancy: token touch: %w", err)
		}
	}
	return tok, u, nil
}
