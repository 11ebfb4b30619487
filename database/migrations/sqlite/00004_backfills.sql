-- +goose Up
-- History backfills of a connected Page through the Conversations API. A run saves its counts and the
-- Conversations API cursor after every page of threads, so a crashed or stopped run resumes from there.
-- lease_until (epoch ms) is the running instance's heartbeat: a queued or running job whose lease has lapsed
-- was abandoned (a crash) and may be taken over. Times are epoch milliseconds UTC, 0 = never.
CREATE TABLE backfills (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    brand_id    TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    page_id     TEXT NOT NULL,
    status      TEXT NOT NULL,
    threads     BIGINT NOT NULL DEFAULT 0,
    messages    BIGINT NOT NULL DEFAULT 0,
    imported    BIGINT NOT NULL DEFAULT 0,
    duplicates  BIGINT NOT NULL DEFAULT 0,
    skipped     BIGINT NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    cursor      TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    started_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX backfills_page ON backfills (tenant_id, page_id, started_at);
-- One active backfill per Page, even when two instances are asked at once.
CREATE UNIQUE INDEX backfills_active ON backfills (tenant_id, page_id) WHERE status IN ('queued', 'running');

-- +goose Down
DROP TABLE backfills;
