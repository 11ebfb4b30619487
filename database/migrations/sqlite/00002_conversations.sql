-- +goose Up
-- Conversation times are epoch milliseconds UTC in BIGINT columns (0 = never): Meta sends them so, and audience
-- rules compare them on every contact. Rows carry tenant_id and brand_id, and composite indexes start with them.
-- Uniqueness includes the brand: a Page moved to another brand starts fresh contacts there instead of
-- updating the previous owner's.

CREATE TABLE contacts (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    brand_id            TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    page_id             TEXT NOT NULL,
    psid                TEXT NOT NULL,
    first_seen_at       BIGINT NOT NULL,
    last_inbound_at     BIGINT NOT NULL DEFAULT 0,
    last_interaction_at BIGINT NOT NULL DEFAULT 0,
    last_outbound_at    BIGINT NOT NULL DEFAULT 0,
    last_bot_at         BIGINT NOT NULL DEFAULT 0,
    last_human_at       BIGINT NOT NULL DEFAULT 0,
    inbound_count       BIGINT NOT NULL DEFAULT 0,
    outbound_count      BIGINT NOT NULL DEFAULT 0,
    first_ref_at        BIGINT NOT NULL DEFAULT 0,
    first_ref_source    TEXT NOT NULL DEFAULT '',
    first_ref_ref       TEXT NOT NULL DEFAULT '',
    first_ref_ad_id     TEXT NOT NULL DEFAULT '',
    last_ref_at         BIGINT NOT NULL DEFAULT 0,
    last_ref_source     TEXT NOT NULL DEFAULT '',
    last_ref_ref        TEXT NOT NULL DEFAULT '',
    last_ref_ad_id      TEXT NOT NULL DEFAULT '',
    optin_at            BIGINT NOT NULL DEFAULT 0,
    subscribed          BOOLEAN NOT NULL DEFAULT FALSE,
    optin_token_enc     TEXT NOT NULL DEFAULT '',
    optin_timezone      TEXT NOT NULL DEFAULT '',
    optin_expires_at    BIGINT NOT NULL DEFAULT 0,
    owner_at            BIGINT NOT NULL DEFAULT 0,
    owner_app_id        TEXT NOT NULL DEFAULT '',
    read_watermark      BIGINT NOT NULL DEFAULT 0,
    delivery_watermark  BIGINT NOT NULL DEFAULT 0,
    blocked             BOOLEAN NOT NULL DEFAULT FALSE,
    unavailable         BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at          BIGINT NOT NULL
);
CREATE UNIQUE INDEX contacts_key ON contacts (tenant_id, brand_id, page_id, psid);
CREATE INDEX contacts_brand_inbound ON contacts (tenant_id, brand_id, last_inbound_at);
CREATE INDEX contacts_brand_activity ON contacts (tenant_id, brand_id, last_interaction_at, id);

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    brand_id    TEXT NOT NULL,
    page_id     TEXT NOT NULL,
    psid        TEXT NOT NULL,
    mid         TEXT NOT NULL,
    direction   TEXT NOT NULL,
    sender      TEXT NOT NULL,
    app_id      TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL DEFAULT '',
    quick_reply TEXT NOT NULL DEFAULT '',
    reply_to    TEXT NOT NULL DEFAULT '',
    metadata    TEXT NOT NULL DEFAULT '',
    attachments TEXT NOT NULL DEFAULT '',
    entities    TEXT NOT NULL DEFAULT '',
    standby     BOOLEAN NOT NULL DEFAULT FALSE,
    sent_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX messages_mid ON messages (tenant_id, brand_id, page_id, mid);
CREATE INDEX messages_thread ON messages (tenant_id, brand_id, page_id, psid, sent_at);

CREATE TABLE contact_events (
    id         INTEGER PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    brand_id   TEXT NOT NULL,
    page_id    TEXT NOT NULL,
    psid       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    dedup_key  TEXT NOT NULL,
    standby    BOOLEAN NOT NULL DEFAULT FALSE,
    at         BIGINT NOT NULL,
    payload    TEXT NOT NULL DEFAULT '',
    ref_source TEXT NOT NULL DEFAULT '',
    ref_ref    TEXT NOT NULL DEFAULT '',
    ref_ad_id  TEXT NOT NULL DEFAULT '',
    data       TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX contact_events_dedup ON contact_events (tenant_id, brand_id, page_id, dedup_key);
CREATE INDEX contact_events_thread ON contact_events (tenant_id, brand_id, page_id, psid, at);

CREATE TABLE contact_entities (
    tenant_id     TEXT NOT NULL,
    brand_id      TEXT NOT NULL,
    page_id       TEXT NOT NULL,
    psid          TEXT NOT NULL,
    entity        TEXT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    count         BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, brand_id, page_id, psid, entity)
);
CREATE INDEX contact_entities_brand ON contact_entities (tenant_id, brand_id, entity, last_seen_at);

-- Entries for Pages nobody has connected: kept whole and replayed once a brand connects the Page.
CREATE TABLE unrouted_entries (
    id          INTEGER PRIMARY KEY,
    page_id     TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    body        TEXT NOT NULL,
    replayed_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX unrouted_entries_page ON unrouted_entries (page_id, replayed_at);

-- +goose Down
DROP TABLE unrouted_entries;
DROP TABLE contact_entities;
DROP TABLE contact_events;
DROP TABLE messages;
DROP TABLE contacts;
