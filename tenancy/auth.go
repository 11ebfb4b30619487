package tenancy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// LoginLimits bounds password guessing per e-mail and per client address.
type LoginLimits struct {
	PerEmail int
	PerIP    int
	Window   time.Duration
}

// dummyHash keeps a login for an unknown e-mail as slow as one for a known e-mail, so timing tells nothing.
var dummyHash = HashPassword("relance-dummy-password")

// Authenticate checks an e-mail and password. Attempts are counted in the database per e-mail and per IP;
// beyond the limits it answers ErrThrottled without looking at the password.
func (s *Store) Authenticate(ctx context.Context, email, password, ip string, lim LoginLimits) (User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	emailKey, ipKey := "login:email:"+email, "login:ip:"+ip
	for _, k := range []struct {
		key   string
		limit int
	}{{emailKey, lim.PerEmail}, {ipKey, lim.PerIP}} {
		ok, _, err := s.Hit(ctx, k.key, k.limit, lim.Window)
		if err != nil {
			return User{}, err
		}
		if !ok {
			return User{}, ErrThrottled
		}
	}
	var u User
	err := s.db.R.WithContext(ctx).Where("email = ?", email).Take(&u).Error
	if err != nil {
		_, _ = CheckPassword(dummyHash, password)
		if isNotFound(err) {
			return User{}, ErrBadCredentials
		}
		return User{}, fmt.Errorf("tenancy: authenticate: %w", err)
	}
	ok, err := CheckPassword(u.PasswordHash, password)
	if err != nil || !ok || u.DisabledAt != nil {
		return User{}, ErrBadCredentials
	}
	if err := s.ResetHits(ctx, emailKey); err != nil {
		return User{}, err
	}
	now := s.now()
	u.LastLoginAt = &now
	if err := s.db.W.WithContext(ctx).Model(&User{}).Where("id = ?", u.ID).Update("last_login_at", now).Error; err != nil {
		return User{}, fmt.Errorf("tenancy: authenticate: %w", err)
	}
	return u, nil
}

// ChangePassword replaces the user's password after checking the current one, and ends the user's other
// sessions (keepSessionHash names the one to keep: the session making the change).
func (s *Store) ChangePassword(ctx context.Context, u User, current, next, keepSessionHash string) error {
	fe := fieldErrors{}
	if ok, _ := CheckPassword(u.PasswordHash, current); !ok {
		fe.add("current_password", "is not your current password")
	}
	checkNewPassword(fe, "new_password", next)
	if next != "" && next == current {
		fe.add("new_password", "must differ from the current password")
	}
	if err := fe.err(); err != nil {
		return err
	}
	return translate("change password", s.Tenant(u.TenantID).change(ctx, func(tx *gorm.DB) (AuditEntry, error) {
		if err := tx.Model(&User{}).Where("id = ?", u.ID).
			Updates(map[string]any{"password_hash": HashPassword(next), "must_change_password": false}).Error; err != nil {
			return AuditEntry{}, err
		}
		if err := tx.Where("user_id = ? AND id_hash <> ?", u.ID, keepSessionHash).Delete(&Session{}).Error; err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "user.password", ObjectType: "user", ObjectID: u.ID, Summary: u.Email}, nil
	}))
}

// SessionHash returns the stored key of a session secret (to name the session to keep).
func SessionHash(secret string) string { return hashSecret(secret) }
