package scheduler

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// claim is a slot this instance holds: every write of its outcome is guarded by the attempt, so that an
// instance whose lease lapsed and whose slot was taken over cannot overwrite the new attempt's row.
type claim struct {
	kind, key string
	slot      time.Time
	attempt   int
	// started is the start on the tick's clock: finish times count from it, so that a simulated clock
	// in tests and the wall clock in production give consistent rows.
	started time.Time
}

// where is the guard of a claim's writes, with its arguments.
func (c claim) where(instance string) (string, []any) {
	return " WHERE kind = ? AND job_key = ? AND slot = ? AND attempt = ? AND instance = ? AND outcome = ?",
		[]any{c.kind, c.key, c.slot.UnixMilli(), c.attempt, instance, OutcomeRunning}
}

// lastSlot returns the newest slot claimed for a job; ok is false when it has none.
func (s *Scheduler) lastSlot(ctx context.Context, kind, key string) (last time.Time, ok bool, err error) {
	var ms sql.NullInt64
	err = s.db.R.WithContext(ctx).Raw("SELECT MAX(slot) FROM scheduler_runs WHERE kind = ? AND job_key = ?", kind, key).
		Row().Scan(&ms)
	if err != nil || !ms.Valid {
		return time.Time{}, false, err
	}
	return time.UnixMilli(ms.Int64).UTC(), true, nil
}

// claim inserts a slot's row as running under this instance's lease. It is false when the row already
// exists: another instance (or this one, from another timer) claimed, ran or skipped the slot.
func (s *Scheduler) claim(ctx context.Context, kind, key string, slot, now time.Time) (claim, bool, error) {
	res := s.db.W.WithContext(ctx).Exec("INSERT INTO scheduler_runs (kind, job_key, slot, instance, attempt, outcome, lease_until, started_at) "+
		"VALUES (?, ?, ?, ?, 1, ?, ?, ?) ON CONFLICT (kind, job_key, slot) DO NOTHING",
		kind, key, slot.UnixMilli(), s.o.Instance, OutcomeRunning, now.Add(s.o.Lease).UnixMilli(), now.UnixMilli())
	if res.Error != nil {
		return claim{}, false, fmt.Errorf("scheduler: claim %s %s at %s: %w", kind, key, slot.Format(time.RFC3339), res.Error)
	}
	return claim{kind: kind, key: key, slot: slot, attempt: 1, started: now}, res.RowsAffected == 1, nil
}

// skip records a missed slot as skipped, unless it already has a row.
func (s *Scheduler) skip(ctx context.Context, kind, key string, slot, now time.Time, reason string) (bool, error) {
	res := s.db.W.WithContext(ctx).Exec("INSERT INTO scheduler_runs (kind, job_key, slot, instance, attempt, outcome, error, started_at, finished_at) "+
		"VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?) ON CONFLICT (kind, job_key, slot) DO NOTHING",
		kind, key, slot.UnixMilli(), s.o.Instance, OutcomeSkipped, reason, now.UnixMilli(), now.UnixMilli())
	if res.Error != nil {
		return false, fmt.Errorf("scheduler: skip %s %s at %s: %w", kind, key, slot.Format(time.RFC3339), res.Error)
	}
	return res.RowsAffected == 1, nil
}

// lapsedRun is a running row whose lease has lapsed: its instance died or lost the database.
type lapsedRun struct {
	Kind, Key, Instance string
	Slot                time.Time
	Attempt             int
}

// lapsed lists the running rows whose lease ended before now, oldest slot first.
func (s *Scheduler) lapsed(ctx context.Context, now time.Time) ([]lapsedRun, error) {
	rows, err := s.db.R.WithContext(ctx).Raw("SELECT kind, job_key, instance, slot, attempt FROM scheduler_runs "+
		"WHERE outcome = ? AND lease_until < ? ORDER BY slot LIMIT 1000", OutcomeRunning, now.UnixMilli()).Rows()
	if err != nil {
		return nil, fmt.Errorf("scheduler: lapsed leases: %w", err)
	}
	defer rows.Close()
	var out []lapsedRun
	for rows.Next() {
		var r lapsedRun
		var slot int64
		if err := rows.Scan(&r.Kind, &r.Key, &r.Instance, &slot, &r.Attempt); err != nil {
			return nil, fmt.Errorf("scheduler: lapsed leases: %w", err)
		}
		r.Slot = time.UnixMilli(slot).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scheduler: lapsed leases: %w", err)
	}
	return out, nil
}

// lapsedWhere guards writes on a lapsed row: the same attempt, still running, still lapsed. Two instances
// that see the same lapsed row both try; the first write bumps attempt (or ends the run), the second finds 0 rows.
func lapsedWhere(r lapsedRun, now time.Time) (string, []any) {
	return " WHERE kind = ? AND job_key = ? AND slot = ? AND attempt = ? AND outcome = ? AND lease_until < ?",
		[]any{r.Kind, r.Key, r.Slot.UnixMilli(), r.Attempt, OutcomeRunning, now.UnixMilli()}
}

// takeOver claims a lapsed slot for this instance as the next attempt.
func (s *Scheduler) takeOver(ctx context.Context, r lapsedRun, now time.Time) (claim, bool, error) {
	where, args := lapsedWhere(r, now)
	res := s.db.W.WithContext(ctx).Exec("UPDATE scheduler_runs SET instance = ?, attempt = attempt + 1, lease_until = ?, started_at = ?, "+
		"finished_at = 0, duration_ms = 0, error = ''"+where,
		append([]any{s.o.Instance, now.Add(s.o.Lease).UnixMilli(), now.UnixMilli()}, args...)...)
	if res.Error != nil {
		return claim{}, false, fmt.Errorf("scheduler: take over %s %s at %s: %w", r.Kind, r.Key, r.Slot.Format(time.RFC3339), res.Error)
	}
	return claim{kind: r.Kind, key: r.Key, slot: r.Slot, attempt: r.Attempt + 1, started: now}, res.RowsAffected == 1, nil
}

// abandon ends a lapsed slot as failed without running it again.
func (s *Scheduler) abandon(ctx context.Context, r lapsedRun, now time.Time, reason string) (bool, error) {
	where, args := lapsedWhere(r, now)
	res := s.db.W.WithContext(ctx).Exec("UPDATE scheduler_runs SET outcome = ?, error = ?, finished_at = ?, lease_until = 0, "+
		"duration_ms = CASE WHEN ? > started_at THEN ? - started_at ELSE 0 END"+where,
		append([]any{OutcomeFailed, reason, now.UnixMilli(), now.UnixMilli(), now.UnixMilli()}, args...)...)
	if res.Error != nil {
		return false, fmt.Errorf("scheduler: abandon %s %s at %s: %w", r.Kind, r.Key, r.Slot.Format(time.RFC3339), res.Error)
	}
	return res.RowsAffected == 1, nil
}

// renew extends a running claim's lease; false means the slot was taken over.
func (s *Scheduler) renew(ctx context.Context, c claim, until time.Time) (bool, error) {
	where, args := c.where(s.o.Instance)
	return held(s.db.W.WithContext(ctx).Exec("UPDATE scheduler_runs SET lease_until = ?"+where,
		append([]any{until.UnixMilli()}, args...)...), c, "renew lease of")
}

// finish records a claim's outcome and gives up its lease; false means the slot was taken over meanwhile
// and the other attempt's row stands.
func (s *Scheduler) finish(ctx context.Context, c claim, outcome, errText string, elapsed time.Duration) (bool, error) {
	where, args := c.where(s.o.Instance)
	return held(s.db.W.WithContext(ctx).Exec("UPDATE scheduler_runs SET outcome = ?, error = ?, finished_at = ?, duration_ms = ?, lease_until = 0"+where,
		append([]any{outcome, errText, c.started.Add(elapsed).UnixMilli(), elapsed.Milliseconds()}, args...)...), c, "finish")
}

// release gives a claim back unfinished, lease lapsed at once, so that another instance takes the slot
// over without waiting out the lease (this one is shutting down).
func (s *Scheduler) release(ctx context.Context, c claim) (bool, error) {
	where, args := c.where(s.o.Instance)
	return held(s.db.W.WithContext(ctx).Exec("UPDATE scheduler_runs SET lease_until = 0"+where, args...), c, "release")
}

// held reads the result of a guarded write on a claim.
func held(res *gorm.DB, c claim, op string) (bool, error) {
	if res.Error != nil {
		return false, fmt.Errorf("scheduler: %s %s %s at %s: %w", op, c.kind, c.key, c.slot.Format(time.RFC3339), res.Error)
	}
	return res.RowsAffected == 1, nil
}
