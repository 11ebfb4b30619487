-- +goose Up
-- Attribution (DESIGN §5): conversations and the touches that tie them to campaigns, derived from messages as
-- they are stored and rebuildable from them (relance attribution rebuild). Times are epoch milliseconds UTC.

-- Where each contact's thread stands: its current conversation and its latest inbound time, so that a new
-- message finds its conversation with one indexed read, never a scan of the thread.
CREATE TABLE attr_threads (
    tenant_id       TEXT NOT NULL,
    brand_id        TEXT NOT NULL,
    page_id         TEXT NOT NULL,
    psid            TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    started_at      BIGINT NOT NULL,
    last_in_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, brand_id, page_id, psid)
);

-- A conversation starts with an inbound event after conversation_gap of silence, or with the first ever
-- (kind new, else returning).
CREATE TABLE attr_conversations (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    brand_id   TEXT NOT NULL,
    page_id    TEXT NOT NULL,
    psid       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    started_at BIGINT NOT NULL
);
CREATE INDEX attr_conversations_brand ON attr_conversations (tenant_id, brand_id, started_at);
CREATE INDEX attr_conversations_contact ON attr_conversations (tenant_id, brand_id, page_id, psid, started_at);

-- A touch ties a conversation to a campaign (and variant): ad_referral, ref_link, payload or send_reply.
-- campaign_id is empty for an ad relance did not launch (an outside ad, named by ad_name). touch_key makes a
-- touch once per conversation (the ad id, the ref, the send id).
CREATE TABLE attr_touches (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    brand_id        TEXT NOT NULL,
    page_id         TEXT NOT NULL,
    psid            TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    type            TEXT NOT NULL,
    touch_key       TEXT NOT NULL,
    at              BIGINT NOT NULL,
    campaign_id     TEXT NOT NULL DEFAULT '',
    variant         TEXT NOT NULL DEFAULT '',
    ad_id           TEXT NOT NULL DEFAULT '',
    ad_name         TEXT NOT NULL DEFAULT '',
    ref             TEXT NOT NULL DEFAULT '',
    link            TEXT NOT NULL DEFAULT '',
    send_id         TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX attr_touches_once ON attr_touches (conversation_id, type, touch_key);
CREATE INDEX attr_touches_contact ON attr_touches (tenant_id, brand_id, page_id, psid, at);
CREATE INDEX attr_touches_campaign ON attr_touches (tenant_id, campaign_id, at);

-- +goose Down
DROP TABLE attr_touches;
DROP TABLE attr_conversations;
DROP TABLE attr_threads;
