-- +goose Up
-- The Marketing Messages campaign (reference §3) a sponsored-message campaign pays its paid route with under
-- meta-current: one per campaign, its row written (state creating, with the claim) before the create call so
-- that a retry or another instance never creates a second. ready holds Meta's id; lost means the create's
-- answer never came (Meta may hold the object): nothing is created again until a person resumes the campaign
-- after checking the ad account.
CREATE TABLE campaign_message_campaigns (
    campaign_id  TEXT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    tenant_id    TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    state        TEXT NOT NULL,
    meta_id      TEXT NOT NULL DEFAULT '',
    claimed_by   TEXT NOT NULL DEFAULT '',
    claimed_at   BIGINT NOT NULL DEFAULT 0,
    updated_at   BIGINT NOT NULL
);

-- A Marketing Message answers with a tracking id; its mid comes on the echo, which settles the send.
ALTER TABLE campaign_sends ADD COLUMN tracking_id TEXT NOT NULL DEFAULT '';
-- The settle sweep looks for those sends (sent, no mid yet) each minute: few rows, found by this index.
CREATE INDEX campaign_sends_no_mid ON campaign_sends (status) WHERE message_id = '';

-- Test sends (POST …/campaigns/{c}/test): one variant to one of the brand's test contacts, outside every run
-- (never counted, never capping anyone). Exactly once as a run's sends are: the row is written before the
-- call, its id travels as metadata, the echo settles a lost answer. One test per campaign, contact and minute.
CREATE TABLE campaign_test_sends (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    brand_id     TEXT NOT NULL,
    campaign_id  TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    contact_id   TEXT NOT NULL,
    page_id      TEXT NOT NULL,
    psid         TEXT NOT NULL,
    variant      TEXT NOT NULL DEFAULT '',
    route        TEXT NOT NULL,
    minute       BIGINT NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    error_class  TEXT NOT NULL DEFAULT '',
    error_code   INTEGER NOT NULL DEFAULT 0,
    message_id   TEXT NOT NULL DEFAULT '',
    requested_by TEXT NOT NULL DEFAULT '',
    claimed_at   BIGINT NOT NULL DEFAULT 0,
    sent_at      BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX campaign_test_sends_once ON campaign_test_sends (campaign_id, contact_id, minute);
CREATE INDEX campaign_test_sends_campaign ON campaign_test_sends (tenant_id, campaign_id, id);
CREATE INDEX campaign_test_sends_status ON campaign_test_sends (status);

-- +goose Down
DROP TABLE campaign_test_sends;
DROP INDEX campaign_sends_no_mid;
ALTER TABLE campaign_sends DROP COLUMN tracking_id;
DROP TABLE campaign_message_campaigns;
