package tenancy

import (
	"context"
	"fmt"
	"time"
)

// Hit counts one attempt against key in a fixed window kept in the database, so that the limit holds across
// every instance. It reports whether the attempt is within limit and, if not, when the window ends.
func (s *Store) Hit(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	now := s.now()
	var row struct {
		Count       int64
		WindowStart time.Time
	}
	// One statement so that concurrent attempts on several instances cannot both read the old count.
	err := s.db.W.WithContext(ctx).Raw(`
		INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 1)
		ON CONFLICT (key) DO UPDATE SET
			count = CASE WHEN rate_limits.window_start <= ? THEN 1 ELSE rate_limits.count + 1 END,
			window_start = CASE WHEN rate_limits.window_start <= ? THEN ? ELSE rate_limits.window_start END
		RETURNING count, window_start`,
		key, now, now.Add(-window), now.Add(-window), now).Scan(&row).Error
	if err != nil {
		return false, 0, fmt.Errorf("tenancy: throttle: %w", err)
	}
	if row.Count <= int64(limit) {
		return true, 0, nil
	}
	return false, row.WindowStart.Add(window).Sub(now), nil
}

// ResetHits forgets the attempts counted against key (after a successful login).
func (s *Store) ResetHits(ctx context.Context, key string) error {
	if err := s.db.W.WithContext(ctx).Exec("DELETE FROM rate_limits WHERE key = ?", key).Error; err != nil {
		return fmt.Errorf("tenancy: throttle reset: %w", err)
	}
	return nil
}
