-- +goose Up
-- Scheduled exports (DESIGN §5 "Reports and exports"): what to export, when (cron in the agency's zone), and
-- how many files to keep.
CREATE TABLE export_schedules (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    cron        TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    format      TEXT NOT NULL,
    params      TEXT NOT NULL,
    keep        INTEGER NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX export_schedules_tenant ON export_schedules (tenant_id, created_at);

-- The files a schedule made, kept in the database so that any instance can serve them (no shared disk).
-- status is running while its chunks are written, then done or failed; only done files are listed.
CREATE TABLE export_files (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    schedule_id  TEXT NOT NULL,
    name         TEXT NOT NULL,
    format       TEXT NOT NULL,
    status       TEXT NOT NULL,
    rows         BIGINT NOT NULL DEFAULT 0,
    size         BIGINT NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX export_files_schedule ON export_files (tenant_id, schedule_id, created_at);

-- A file's bytes in chunks of at most 1 MiB, written and read one at a time: memory stays flat whatever
-- the file's size.
CREATE TABLE export_chunks (
    file_id  TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    data     BYTEA NOT NULL,
    PRIMARY KEY (file_id, seq)
);

-- +goose Down
DROP TABLE export_chunks;
DROP TABLE export_files;
DROP TABLE export_schedules;
