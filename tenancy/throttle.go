package tenancy

import (
	"context"
	"fmt"
	"time"
)

// Backoff bounds: a key's lockouts in a row double up to maxLockout, and a key quiet for strikeMemory
// starts over from one window.
const (
	maxLockout   = 24 * time.Hour
	strikeMemory = 24 * time.Hour
)

// Attempt counts one attempt against key in a fixed window kept in the database, so that the limit holds across
// every instance. Past limit attempts in a window the key is locked for the window, then twice as long at the
// next lockout, and so on (exponential backoff). While locked nothing is counted and Attempt answers the time
// left; zero means the attempt may go ahead.
func (s *Store) Attempt(ctx context.Context, key string, limit int, window time.Duration) (time.Duration, error) {
	now := s.now()
	var row struct {
		Count       int64
		Strikes     int64
		LockedUntil *time.Time
	}
	// One statement, so that concurrent attempts on several instances cannot both read the old count: the
	// attempt is counted before the password is checked, which bounds parallel guessing too. All right-hand
	// sides see the old row.
	err := s.db.W.WithContext(ctx).Raw(`
		INSERT INTO rate_limits (key, window_start, count, strikes) VALUES (?, ?, 1, 0)
		ON CONFLICT (key) DO UPDATE SET
			count = CASE WHEN rate_limits.locked_until > ? THEN rate_limits.count
				WHEN rate_limits.window_start <= ? THEN 1 ELSE rate_limits.count + 1 END,
			strikes = CASE WHEN rate_limits.window_start <= ? AND (rate_limits.locked_until IS NULL OR rate_limits.locked_until <= ?)
				THEN 0 ELSE rate_limits.strikes END,
			window_start = CASE WHEN rate_limits.locked_until > ? THEN rate_limits.window_start
				WHEN rate_limits.window_start <= ? THEN ? ELSE rate_limits.window_start END
		RETURNING count, strikes, locked_until`,
		key, now, now, now.Add(-window), now.Add(-strikeMemory), now.Add(-strikeMemory), now, now.Add(-window), now).
		Scan(&row).Error
	if err != nil {
		return 0, fmt.Errorf("tenancy: throttle: %w", err)
	}
	if row.LockedUntil != nil && row.LockedUntil.After(now) {
		return row.LockedUntil.Sub(now), nil
	}
	if row.Count <= int64(limit) {
		return 0, nil
	}
	lock := window << min(row.Strikes, 20)
	if lock > maxLockout || lock <= 0 {
		lock = maxLockout
	}
	// Conditional on the count, so that two instances crossing the limit together lock once, not twice.
	err = s.db.W.WithContext(ctx).Exec(`UPDATE rate_limits SET count = 0, strikes = strikes + 1, locked_until = ?,
		window_start = ? WHERE key = ? AND count > ?`, now.Add(lock), now, key, limit).Error
	if err != nil {
		return 0, fmt.Errorf("tenancy: throttle lock: %w", err)
	}
	return lock, nil
}

// Forgive takes back one attempt counted against key (a login that succeeded is not an attempt to guess).
func (s *Store) Forgive(ctx context.Context, key string) error {
	if err := s.db.W.WithContext(ctx).Exec("UPDATE rate_limits SET count = count - 1 WHERE key = ? AND count > 0", key).Error; err != nil {
		return fmt.Errorf("tenancy: throttle forgive: %w", err)
	}
	return nil
}

// ResetHits forgets the attempts and lockouts counted against key (after a successful login).
func (s *Store) ResetHits(ctx context.Context, key string) error {
	if err := s.db.W.WithContext(ctx).Exec("DELETE FROM rate_limits WHERE key = ?", key).Error; err != nil {
		return fmt.Errorf("tenancy: throttle reset: %w", err)
	}
	return nil
}

// PurgeRateLimits deletes counters that neither lock nor remember a strike any more; the server calls it
// periodically so that failed logins from many addresses do not pile up.
func (s *Store) PurgeRateLimits(ctx context.Context) (int64, error) {
	old := s.now().Add(-strikeMemory)
	res := s.db.W.WithContext(ctx).Exec(`DELETE FROM rate_limits WHERE window_start <= ?
		AND (locked_until IS NULL OR locked_until <= ?)`, old, old)
	if res.Error != nil {
		return 0, fmt.Errorf("tenancy: purge rate limits: %w", res.Error)
	}
	return res.RowsAffected, nil
}
