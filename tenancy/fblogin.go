package tenancy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// A Facebook Login connects Pages without anyone pasting a token: relance sends the browser to Meta's dialog
// with a state, Meta sends it back with a code, and the person's token lists their Pages. The state proves the
// callback answers a login this session started for this brand; the token stays on the server.

// FacebookStateLifetime is how long the dialog's state may come back: enough to log in at Meta.
const FacebookStateLifetime = 10 * time.Minute

// FacebookTokenLifetime is how long the person's token is kept after the callback, for the Page picker.
const FacebookTokenLifetime = 15 * time.Minute

// ErrFacebookLoginGone is a state or a picker that is unknown, already used, expired, or from another
// session: the login must start again.
var ErrFacebookLoginGone = errors.New("tenancy: this Facebook login is unknown, already used or expired")

// FacebookLogin is a Facebook Login under way (table facebook_logins).
type FacebookLogin struct {
	ID          string `gorm:"primaryKey"`
	TenantID    string
	BrandID     string
	UserID      string
	SessionHash string
	StateHash   string
	TokenEnc    string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      *time.Time
}

// StartFacebookLogin records a login for the brand, bound to the user and their session, and returns the
// state to hand to Meta's dialog; only its hash is kept. Expired logins of any agency are dropped on the way.
func (t *TenantStore) StartFacebookLogin(ctx context.Context, brandID, userID, sessionHash string) (string, error) {
	if _, err := t.Brand(ctx, brandID); err != nil {
		return "", err
	}
	now := t.s.now()
	state := randomToken(32)
	row := FacebookLogin{ID: NewID(), TenantID: t.tenantID, BrandID: brandID, UserID: userID, SessionHash: sessionHash,
		StateHash: hashSecret(state), CreatedAt: now, ExpiresAt: now.Add(FacebookStateLifetime)}
	err := t.s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("expires_at < ?", now).Delete(&FacebookLogin{}).Error; err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return "", fmt.Errorf("tenancy: start facebook login: %w", err)
	}
	return state, nil
}

// TakeFacebookState spends a state that came back from Meta's dialog: it must be this tenant's, this user's
// and this session's, unused and unexpired. A second use, even at the same moment, is ErrFacebookLoginGone.
func (t *TenantStore) TakeFacebookState(ctx context.Context, state, userID, sessionHash string) (FacebookLogin, error) {
	var row FacebookLogin
	if len(state) < 20 || len(state) > 100 {
		return row, ErrFacebookLoginGone
	}
	now := t.s.now()
	err := t.s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&FacebookLogin{}).Where("tenant_id = ? AND state_hash = ? AND user_id = ? AND session_hash = ? "+
			"AND used_at IS NULL AND expires_at > ?", t.tenantID, hashSecret(state), userID, sessionHash, now).
			Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrFacebookLoginGone
		}
		return tx.Where("state_hash = ?", hashSecret(state)).Take(&row).Error
	})
	if errors.Is(err, ErrFacebookLoginGone) {
		return row, err
	}
	if err != nil {
		return row, fmt.Errorf("tenancy: facebook login state: %w", err)
	}
	return row, nil
}

// KeepFacebookToken seals the person's token into a spent login for FacebookTokenLifetime.
func (t *TenantStore) KeepFacebookToken(ctx context.Context, id, token string) error {
	enc := t.s.vault.Seal(token, "facebook_login:"+id)
	err := t.s.db.W.WithContext(ctx).Model(&FacebookLogin{}).Where("tenant_id = ? AND id = ?", t.tenantID, id).
		Updates(map[string]any{"token_enc": enc, "expires_at": t.s.now().Add(FacebookTokenLifetime)}).Error
	if err != nil {
		return fmt.Errorf("tenancy: keep facebook token: %w", err)
	}
	return nil
}

// OpenFacebookLogin returns the newest login of this brand, user and session whose token is still kept, and
// the token.
func (t *TenantStore) OpenFacebookLogin(ctx context.Context, brandID, userID, sessionHash string) (FacebookLogin, string, error) {
	var row FacebookLogin
	err := t.r(ctx).Where("brand_id = ? AND user_id = ? AND session_hash = ? AND token_enc <> '' AND expires_at > ?",
		brandID, userID, sessionHash, t.s.now()).Order("created_at DESC").Take(&row).Error
	if isNotFound(err) {
		return row, "", ErrFacebookLoginGone
	}
	if err != nil {
		return row, "", fmt.Errorf("tenancy: facebook login: %w", err)
	}
	tok, err := t.s.vault.Open(row.TokenEnc, "facebook_login:"+row.ID)
	if err != nil {
		return row, "", fmt.Errorf("tenancy: facebook login token: %w", err)
	}
	return row, tok, nil
}

// EndFacebookLogin forgets a login and its token. Only the first of two concurrent calls gets true, so that
// one picker connects once.
func (t *TenantStore) EndFacebookLogin(ctx context.Context, id string) (bool, error) {
	res := t.s.db.W.WithContext(ctx).Where("tenant_id = ? AND id = ?", t.tenantID, id).Delete(&FacebookLogin{})
	if res.Error != nil {
		return false, fmt.Errorf("tenancy: end facebook login: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}
