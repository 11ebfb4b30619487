-- +goose Up
-- Attribution (DESIGN §5): conversations and the touches that tie them to campaigns, derived from user events
-- as they are stored and rebuildable from them (relance attribution rebuild). Times are epoch milliseconds UTC.

-- A conversation starts with a user's event after conversation_gap of silence, or with the first ever (kind
-- new, else returning). It is named by its contact and start: no id of its own, so that a batch writes one
-- row per new conversation and nothing for the messages that continue one. Written in the ingest
-- transaction, it has no secondary index: reports read it by brand through the key's prefix.
CREATE TABLE attr_conversations (
    tenant_id  TEXT NOT NULL,
    brand_id   TEXT NOT NULL,
    page_id    TEXT NOT NULL,
    psid       TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, brand_id, page_id, psid, started_at)
) WITHOUT ROWID;

-- A touch ties a conversation (its contact and conversation_at, the conversation's start) to a campaign and
-- variant: ad_referral, ref_link, payload or send_reply. campaign_id is empty for an ad relance did not
-- launch (an outside ad, named by ad_name). touch_key makes a touch once per conversation (the ad id, the
-- ref, the send id).
CREATE TABLE attr_touches (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    brand_id        TEXT NOT NULL,
    page_id         TEXT NOT NULL,
    psid            TEXT NOT NULL,
    conversation_at BIGINT NOT NULL,
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
CREATE UNIQUE INDEX attr_touches_once ON attr_touches (tenant_id, brand_id, page_id, psid, conversation_at, type, touch_key);
CREATE INDEX attr_touches_contact ON attr_touches (tenant_id, brand_id, page_id, psid, at);
CREATE INDEX attr_touches_campaign ON attr_touches (tenant_id, campaign_id, at);

-- +goose Down
DROP TABLE attr_touches;
DROP TABLE attr_conversations;
