-- +goose Up
-- Meta sync of audiences: one row per audience that keeps a Meta custom audience equal to the audience's
-- latest snapshot. status is never, pending, syncing, synced, failed or throttled. target_* is the snapshot
-- the running (or last) sync uploads, synced_* the last one Meta fully holds. A running sync holds a lease
-- (holder, lease_until) that it renews with every batch; every write of a run is guarded by its holder, so a
-- run whose lease lapsed and was taken over cannot overwrite the new run's progress. session_id is the Meta
-- upload session in progress. Times are epoch milliseconds UTC, 0 = never.
CREATE TABLE audience_syncs (
    audience_id        TEXT PRIMARY KEY REFERENCES audiences(id) ON DELETE CASCADE,
    tenant_id          TEXT NOT NULL,
    brand_id           TEXT NOT NULL,
    ad_account_id      TEXT NOT NULL DEFAULT '',
    meta_audience_id   TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL DEFAULT 'never',
    target_snapshot_id TEXT NOT NULL DEFAULT '',
    target_seq         BIGINT NOT NULL DEFAULT 0,
    synced_snapshot_id TEXT NOT NULL DEFAULT '',
    synced_seq         BIGINT NOT NULL DEFAULT 0,
    to_add             BIGINT NOT NULL DEFAULT 0,
    to_remove          BIGINT NOT NULL DEFAULT 0,
    added              BIGINT NOT NULL DEFAULT 0,
    removed            BIGINT NOT NULL DEFAULT 0,
    session_id         BIGINT NOT NULL DEFAULT 0,
    holder             TEXT NOT NULL DEFAULT '',
    lease_until        BIGINT NOT NULL DEFAULT 0,
    last_sync_at       BIGINT NOT NULL DEFAULT 0,
    last_error         TEXT NOT NULL DEFAULT '',
    retry_after        BIGINT NOT NULL DEFAULT 0,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX audience_syncs_brand ON audience_syncs (tenant_id, brand_id, status);

-- What relance knows Meta holds in an audience's custom audience: a row is written only after Meta
-- acknowledged the batch that added it and deleted only after Meta acknowledged its removal. The next
-- upload is always the latest snapshot minus these rows (adds) and these rows minus the snapshot
-- (removals), so a sync that stopped anywhere resumes without any older snapshot.
CREATE TABLE audience_meta_members (
    audience_id TEXT NOT NULL REFERENCES audiences(id) ON DELETE CASCADE,
    page_id     TEXT NOT NULL,
    psid        TEXT NOT NULL,
    PRIMARY KEY (audience_id, page_id, psid)
);

-- +goose Down
DROP TABLE audience_meta_members;
DROP TABLE audience_syncs;
