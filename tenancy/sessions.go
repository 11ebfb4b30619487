package tenancy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// SessionPolicy bounds a session: it ends after Idle without a request, and after Absolute in any case.
type SessionPolicy struct {
	Idle     time.Duration
	Absolute time.Duration
}

// touchEvery limits last-seen writes to one a minute per session: idle expiry does not need more precision.
const touchEvery = time.Minute

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// CreateSession starts a session for u and returns the cookie secret; only its hash is stored, so a copy of the
// database does not let anyone in. Login always creates a new one: that is the rotation.
func (s *Store) CreateSession(ctx context.Context, u User, ip, userAgent string, p SessionPolicy) (string, Session, error) {
	secret := randomToken(32)
	now := s.now()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	sess := Session{IDHash: hashSecret(secret), TenantID: u.TenantID, UserID: u.ID, CSRFToken: randomToken(32),
		IP: ip, UserAgent: userAgent, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(p.Absolute)}
	if err := s.db.W.WithContext(ctx).Create(&sess).Error; err != nil {
		return "", Session{}, fmt.Errorf("tenancy: create session: %w", err)
	}
	return secret, sess, nil
}

// LookupSession returns the live session for a cookie secret and its user, refreshing its last-seen time.
func (s *Store) LookupSession(ctx context.Context, secret string, p SessionPolicy) (Session, User, error) {
	var sess Session
	if secret == "" || len(secret) > 100 {
		return sess, User{}, ErrSessionExpired
	}
	err := s.db.R.WithContext(ctx).Where("id_hash = ?", hashSecret(secret)).Take(&sess).Error
	if err != nil {
		if isNotFound(err) {
			return sess, User{}, ErrSessionExpired
		}
		return sess, User{}, fmt.Errorf("tenancy: session: %w", err)
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= p.Idle {
		_ = s.DeleteSession(ctx, secret)
		return sess, User{}, ErrSessionExpired
	}
	var u User
	if err := s.db.R.WithContext(ctx).Where("id = ? AND tenant_id = ?", sess.UserID, sess.TenantID).Take(&u).Error; err != nil {
		return sess, User{}, ErrSessionExpired
	}
	if u.DisabledAt != nil {
		return sess, User{}, ErrSessionExpired
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		sess.LastSeenAt = now
		if err := s.db.W.WithContext(ctx).Model(&Session{}).Where("id_hash = ?", sess.IDHash).
			Update("last_seen_at", now).Error; err != nil {
			return sess, User{}, fmt.Errorf("tenancy: touch session: %w", err)
		}
	}
	return sess, u, nil
}

// DeleteSession ends a session (logout).
func (s *Store) DeleteSession(ctx context.Context, secret string) error {
	if err := s.db.W.WithContext(ctx).Where("id_hash = ?", hashSecret(secret)).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("tenancy: delete session: %w", err)
	}
	return nil
}

// PurgeSessions deletes expired sessions; the server calls it periodically.
func (s *Store) PurgeSessions(ctx context.Context, p SessionPolicy) (int64, error) {
	now := s.now()
	res := s.db.W.WithContext(ctx).Where("expires_at <= ? OR last_seen_at <= ?", now, now.Add(-p.Idle)).Delete(&Session{})
	if res.Error != nil {
		return 0, fmt.Errorf("tenancy: purge sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}
