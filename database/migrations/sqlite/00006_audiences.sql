-- +goose Up
-- Audiences: a rule over a brand's contacts (or a list of PSIDs imported by hand), materialized as numbered
-- snapshots. Campaigns send to a snapshot, never to a moving set. rule_version counts edits of the rule, so a
-- snapshot says which rule made it. Times are epoch milliseconds UTC, 0 = never.
CREATE TABLE audiences (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    brand_id        TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    rule            TEXT NOT NULL DEFAULT '',
    rule_version    BIGINT NOT NULL DEFAULT 1,
    refresh_cron    TEXT NOT NULL DEFAULT '',
    ad_account_id   TEXT NOT NULL DEFAULT '',
    last_seq        BIGINT NOT NULL DEFAULT 0,
    created_by      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX audiences_name ON audiences (tenant_id, brand_id, name);
CREATE INDEX audiences_refresh ON audiences (refresh_cron) WHERE refresh_cron <> '';

CREATE TABLE audience_snapshots (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    brand_id     TEXT NOT NULL,
    audience_id  TEXT NOT NULL REFERENCES audiences(id) ON DELETE CASCADE,
    seq          BIGINT NOT NULL,
    rule_version BIGINT NOT NULL,
    cause        TEXT NOT NULL,
    size         BIGINT NOT NULL DEFAULT 0,
    added        BIGINT NOT NULL DEFAULT 0,
    removed      BIGINT NOT NULL DEFAULT 0,
    duration_ms  BIGINT NOT NULL DEFAULT 0,
    built_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX audience_snapshots_seq ON audience_snapshots (audience_id, seq);

-- Members are keyed by Page and PSID (what Meta's PAGEUID schema and the Send API take), not by contact id:
-- an imported list may name people relance has not stored a conversation with.
CREATE TABLE audience_members (
    snapshot_id TEXT NOT NULL,
    page_id     TEXT NOT NULL,
    psid        TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, page_id, psid)
);

-- Indexes the rule compiler's sub-queries read: each finds the contacts (page_id, psid) with a referral,
-- payload, entity or quick reply without touching the table.
CREATE INDEX contact_events_ref_source ON contact_events (tenant_id, brand_id, ref_source, page_id, psid) WHERE ref_source <> '';
CREATE INDEX contact_events_ref_ad ON contact_events (tenant_id, brand_id, ref_ad_id, page_id, psid) WHERE ref_ad_id <> '';
CREATE INDEX contact_events_ref_ref ON contact_events (tenant_id, brand_id, ref_ref, page_id, psid) WHERE ref_ref <> '';
CREATE INDEX contact_events_payload ON contact_events (tenant_id, brand_id, payload, kind, page_id, psid) WHERE payload <> '';
CREATE INDEX messages_quick_reply ON messages (tenant_id, brand_id, quick_reply, page_id, psid) WHERE quick_reply <> '';
DROP INDEX contact_entities_brand;
CREATE INDEX contact_entities_brand ON contact_entities (tenant_id, brand_id, entity, last_seen_at, page_id, psid);

-- +goose Down
DROP INDEX contact_entities_brand;
CREATE INDEX contact_entities_brand ON contact_entities (tenant_id, brand_id, entity, last_seen_at);
DROP INDEX messages_quick_reply;
DROP INDEX contact_events_payload;
DROP INDEX contact_events_ref_ref;
DROP INDEX contact_events_ref_ad;
DROP INDEX contact_events_ref_source;
DROP TABLE audience_members;
DROP TABLE audience_snapshots;
DROP TABLE audiences;
