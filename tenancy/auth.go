package tenancy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// LoginLimits bounds password guessing: per account and client address, and per client address. Only failures
// count; past a limit the key is locked for Window, then twice as long at each lockout in a row.
type LoginLimits struct {
	// PerEmail is the failures allowed per (e-mail, address) in Window: a guesser at one address locks only
	// itself out of that account, and the owner still logs in from anywhere else.
	PerEmail int
	// PerIP is the failures allowed per address in Window, whatever the e-mails tried.
	PerIP  int
	Window time.Duration
}

// dummyHash keeps a login for an unknown e-mail as slow as one for a known e-mail, so timing tells nothing.
var dummyHash = HashPassword("relance-dummy-password")

// Authenticate checks an e-mail and password. Attempts are counted in the database per (e-mail, address) and per
// address before the password is checked (so parallel guesses are bounded too); a success takes its attempt
// back and clears the account's counter at that address. Beyond the limits it answers ErrThrottled without
// looking at the password. Logins and failures on a known e-mail are audited in its agency; the answer is the
// same whether or not the e-mail exists.
func (s *Store) Authenticate(ctx context.Context, email, password, ip string, lim LoginLimits) (User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	ipKey, accountKey := "login:ip:"+ip, "login:account:"+ip+":"+email
	for _, k := range []struct {
		key   string
		limit int
	}{{ipKey, lim.PerIP}, {accountKey, lim.PerEmail}} {
		wait, err := s.Attempt(ctx, k.key, k.limit, lim.Window)
		if err != nil {
			return User{}, err
		}
		if wait > 0 {
			return User{}, ErrThrottled
		}
	}
	// The same address may have an account in several agencies (an e-mail is unique per agency): every one is
	// checked, so the time taken depends only on how many there are, and the oldest that matches logs in.
	var users []User
	if err := s.db.R.WithContext(ctx).Where("email = ?", email).Order("created_at, id").Find(&users).Error; err != nil {
		return User{}, fmt.Errorf("tenancy: authenticate: %w", err)
	}
	if len(users) == 0 {
		_, _ = CheckPassword(dummyHash, password)
		return User{}, ErrBadCredentials
	}
	var match *User
	for i := range users {
		ok, err := CheckPassword(users[i].PasswordHash, password)
		if err == nil && ok && users[i].DisabledAt == nil && match == nil {
			match = &users[i]
		}
	}
	if match == nil {
		for _, u := range users {
			reason := "wrong password"
			if u.DisabledAt != nil {
				reason = "account disabled"
			}
			if err := s.auditLogin(ctx, u, ip, ActionLoginFailure, reason); err != nil {
				return User{}, err
			}
		}
		return User{}, ErrBadCredentials
	}
	u := *match
	if err := s.ResetHits(ctx, accountKey); err != nil {
		return User{}, err
	}
	if err := s.Forgive(ctx, ipKey); err != nil {
		return User{}, err
	}
	now := s.now()
	u.LastLoginAt = &now
	if err := s.db.W.WithContext(ctx).Model(&User{}).Where("id = ?", u.ID).Update("last_login_at", now).Error; err != nil {
		return User{}, fmt.Errorf("tenancy: authenticate: %w", err)
	}
	if err := s.auditLogin(ctx, u, ip, ActionLoginSuccess, ""); err != nil {
		return User{}, err
	}
	return u, nil
}

// auditLogin records a login or a failed one in the user's agency; a success is done by the user, a failure by
// whoever tried from ip.
func (s *Store) auditLogin(ctx context.Context, u User, ip, action, reason string) error {
	a := ActorFrom(ctx)
	a.IP = ip
	if action == ActionLoginSuccess {
		a.UserID, a.Label = u.ID, u.Email
	}
	summary := u.Email
	if reason != "" {
		summary += ": " + reason
	}
	err := s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.audit(WithActor(ctx, a), tx, u.TenantID, AuditEntry{Action: action, ObjectType: "user", ObjectID: u.ID, Summary: summary})
	})
	if err != nil {
		return fmt.Errorf("tenancy: audit login: %w", err)
	}
	return nil
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
		return AuditEntry{Action: ActionUserPassword, ObjectType: "user", ObjectID: u.ID, Summary: u.Email}, nil
	}))
}

// SessionHash returns the stored key of a session secret (to name the session to keep).
func SessionHash(secret string) string { return hashSecret(secret) }
