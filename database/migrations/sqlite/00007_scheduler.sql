-- +goose Up
-- Scheduler claims and run history: one row per (kind, job, slot), where the slot is the time the cron
-- schedule named, in epoch milliseconds UTC. The primary key is the exactly-once guarantee: instances claim a
-- slot by inserting its row, and only one insert wins. A running row holds a lease (lease_until) that its
-- instance renews; once the lease lapses (the instance died) another instance may take the slot over and
-- bumps attempt. Not tenant-owned: job_key names the job (e.g. an audience id) and its owner scopes reads.
-- outcome is running, ok, failed or skipped (a missed slot). Times are epoch milliseconds UTC, 0 = never.
CREATE TABLE scheduler_runs (
    kind        TEXT NOT NULL,
    job_key     TEXT NOT NULL,
    slot        BIGINT NOT NULL,
    instance    TEXT NOT NULL,
    attempt     INTEGER NOT NULL DEFAULT 1,
    outcome     TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL DEFAULT 0,
    duration_ms BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, job_key, slot)
);
-- The primary key also serves a job's history, newest first, and its last slot. These two serve the
-- look-up of lapsed leases on every tick and the pruning of old history.
CREATE INDEX scheduler_runs_running ON scheduler_runs (lease_until) WHERE outcome = 'running';
CREATE INDEX scheduler_runs_slot ON scheduler_runs (slot);

-- +goose Down
DROP TABLE scheduler_runs;
