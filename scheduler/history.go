package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Outcomes of a run, as stored in scheduler_runs.outcome.
const (
	// OutcomeRunning is a claimed slot whose handler has not finished (or whose instance died).
	OutcomeRunning = "running"
	// OutcomeOK is a slot whose handler returned nil.
	OutcomeOK = "ok"
	// OutcomeFailed is a slot whose handler returned an error or panicked, or that was given up.
	OutcomeFailed = "failed"
	// OutcomeSkipped is a missed slot that the Missed policy did not run.
	OutcomeSkipped = "skipped"
)

// ErrNoRuns means a job has no run recorded.
var ErrNoRuns = errors.New("scheduler: no runs")

// Run is one slot of a job: its claim and how it went.
type Run struct {
	Kind string `json:"kind"`
	Key  string `json:"key"`
	// Slot is the time the schedule named (UTC), which identifies the run.
	Slot time.Time `json:"slot"`
	// Instance is the instance that ran (or skipped) it last; Attempt counts takeovers from 1.
	Instance string `json:"instance"`
	Attempt  int    `json:"attempt"`
	Outcome  string `json:"outcome"`
	Error    string `json:"error,omitempty"`
	// StartedAt is when the last attempt began; FinishedAt is nil while it runs.
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	DurationMS int64      `json:"duration_ms"`
	// LeaseUntil is how long a running claim holds without renewal (zero once finished).
	LeaseUntil time.Time `json:"lease_until,omitzero"`
}

// runCols are the columns of scanRun, in order.
const runCols = "kind, job_key, slot, instance, attempt, outcome, error, started_at, finished_at, duration_ms, lease_until"

func scanRun(rows interface{ Scan(...any) error }) (Run, error) {
	var r Run
	var slot, started, finished, lease int64
	if err := rows.Scan(&r.Kind, &r.Key, &slot, &r.Instance, &r.Attempt, &r.Outcome, &r.Error, &started, &finished,
		&r.DurationMS, &lease); err != nil {
		return Run{}, err
	}
	r.Slot, r.StartedAt = time.UnixMilli(slot).UTC(), time.UnixMilli(started).UTC()
	if finished > 0 {
		t := time.UnixMilli(finished).UTC()
		r.FinishedAt = &t
	}
	if lease > 0 {
		r.LeaseUntil = time.UnixMilli(lease).UTC()
	}
	return r, nil
}

// Runs returns a job's runs, newest slot first; limit caps them (at most 1000, 0 means 50).
func (s *Scheduler) Runs(ctx context.Context, kind, key string, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	rows, err := s.db.R.WithContext(ctx).Raw("SELECT "+runCols+" FROM scheduler_runs WHERE kind = ? AND job_key = ? "+
		"ORDER BY slot DESC LIMIT ?", kind, key, limit).Rows()
	if err != nil {
		return nil, fmt.Errorf("scheduler: runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("scheduler: runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scheduler: runs: %w", err)
	}
	return out, nil
}

// LastRun returns a job's newest run (ErrNoRuns if it never had one).
func (s *Scheduler) LastRun(ctx context.Context, kind, key string) (Run, error) {
	runs, err := s.Runs(ctx, kind, key, 1)
	if err != nil {
		return Run{}, err
	}
	if len(runs) == 0 {
		return Run{}, fmt.Errorf("scheduler: last run of %s %s: %w", kind, key, ErrNoRuns)
	}
	return runs[0], nil
}

// prune deletes the runs of slots before cutoff, except each job's newest one: it is the job's last
// claimed slot, from which missed slots are counted. A running row goes only once its lease has lapsed.
func (s *Scheduler) prune(ctx context.Context, cutoff, now time.Time) (int64, error) {
	res := s.db.W.WithContext(ctx).Exec("DELETE FROM scheduler_runs WHERE slot < ? AND (outcome <> ? OR lease_until < ?) "+
		"AND slot < (SELECT MAX(r.slot) FROM scheduler_runs r WHERE r.kind = scheduler_runs.kind AND r.job_key = scheduler_runs.job_key)",
		cutoff.UnixMilli(), OutcomeRunning, now.UnixMilli())
	if res.Error != nil {
		return 0, fmt.Errorf("scheduler: prune history: %w", res.Error)
	}
	return res.RowsAffected, nil
}
