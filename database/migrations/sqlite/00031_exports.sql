-- +goose Up
-- The ledger is read in its key's order by exports (a million rows per ad account, ad and day): without a
-- rowid the table is that order itself, one B-tree walk instead of an index walk plus a table look-up a row.
CREATE TABLE spend_days_new (
    tenant_id      TEXT NOT NULL,
    brand_id       TEXT NOT NULL,
    ad_account_id  TEXT NOT NULL,
    ad_id          TEXT NOT NULL,
    day            TEXT NOT NULL,
    month          TEXT NOT NULL,
    meta_campaign_id TEXT NOT NULL DEFAULT '',
    adset_id       TEXT NOT NULL DEFAULT '',
    ad_name        TEXT NOT NULL DEFAULT '',
    currency       TEXT NOT NULL,
    spend          BIGINT NOT NULL,
    impressions    BIGINT NOT NULL,
    reach          BIGINT NOT NULL,
    clicks         BIGINT NOT NULL,
    conversations  BIGINT NOT NULL,
    replies        BIGINT NOT NULL,
    pulled_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, ad_account_id, ad_id, day)
) WITHOUT ROWID;
INSERT INTO spend_days_new SELECT tenant_id, brand_id, ad_account_id, ad_id, day, month, meta_campaign_id, adset_id,
    ad_name, currency, spend, impressions, reach, clicks, conversations, replies, pulled_at FROM spend_days;
DROP TABLE spend_days;
ALTER TABLE spend_days_new RENAME TO spend_days;
CREATE INDEX spend_days_month ON spend_days (tenant_id, month, brand_id);

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
    data     BLOB NOT NULL,
    PRIMARY KEY (file_id, seq)
);

-- +goose Down
DROP TABLE export_chunks;
DROP TABLE export_files;
DROP TABLE export_schedules;
-- spend_days keeps its WITHOUT ROWID layout: same columns, same key.
