-- +goose Up
-- Brand settings campaigns read (approval_required, quiet_hours, frequency_cap): JSON of what was set; unset
-- keys take the defaults in code, so a setting added later needs no data migration.
ALTER TABLE brands ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';

-- Campaigns (DESIGN §5). Money is minor units of the brand's currency (ISO 4217 exponent); times are epoch
-- milliseconds UTC, 0 = not set. version counts content changes; approved_version is the version an approver
-- saw, so "changed after approval" is a comparison, not a flag to keep in step.
CREATE TABLE campaigns (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    brand_id          TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    kind              TEXT NOT NULL,
    state             TEXT NOT NULL,
    page_id           TEXT NOT NULL,
    ad_account_id     TEXT NOT NULL DEFAULT '',
    objective         TEXT NOT NULL DEFAULT '',
    budget_period     TEXT NOT NULL DEFAULT '',
    budget_amount     BIGINT NOT NULL DEFAULT 0,
    currency          TEXT NOT NULL,
    starts_at         BIGINT NOT NULL DEFAULT 0,
    ends_at           BIGINT NOT NULL DEFAULT 0,
    send_cron         TEXT NOT NULL DEFAULT '',
    active_windows    TEXT NOT NULL DEFAULT '[]',
    include_audiences TEXT NOT NULL DEFAULT '[]',
    exclude_audiences TEXT NOT NULL DEFAULT '[]',
    holdout_percent   INTEGER NOT NULL DEFAULT 0,
    cap_messages      INTEGER NOT NULL DEFAULT 0,
    cap_days          INTEGER NOT NULL DEFAULT 0,
    ref               TEXT NOT NULL DEFAULT '',
    version           BIGINT NOT NULL DEFAULT 1,
    approved_version  BIGINT NOT NULL DEFAULT 0,
    approved_by       TEXT NOT NULL DEFAULT '',
    approved_at       BIGINT NOT NULL DEFAULT 0,
    reject_reason     TEXT NOT NULL DEFAULT '',
    created_by        TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX campaigns_brand ON campaigns (tenant_id, brand_id, id);
CREATE INDEX campaigns_state ON campaigns (tenant_id, state, id);
-- A ref is how a conversation finds its campaign: one campaign per ref on a Page.
CREATE UNIQUE INDEX campaigns_ref ON campaigns (tenant_id, page_id, ref) WHERE ref <> '';
-- Completion at the end of the flight sweeps running and paused campaigns by end time.
CREATE INDEX campaigns_ending ON campaigns (state, ends_at) WHERE ends_at > 0;

CREATE TABLE campaign_variants (
    campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    tenant_id   TEXT NOT NULL,
    key         TEXT NOT NULL,
    position    INTEGER NOT NULL,
    weight      INTEGER NOT NULL,
    creative    TEXT NOT NULL,
    PRIMARY KEY (campaign_id, key)
);

-- The campaign's timeline: every action with its states and reason. The audit log holds the same actions
-- (written in the same transaction); this table is what the campaign page reads without scanning the log.
CREATE TABLE campaign_events (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    brand_id    TEXT NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    action      TEXT NOT NULL,
    from_state  TEXT NOT NULL DEFAULT '',
    to_state    TEXT NOT NULL DEFAULT '',
    actor_id    TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL
);
CREATE INDEX campaign_events_campaign ON campaign_events (campaign_id, at, id);

-- +goose Down
DROP TABLE campaign_events;
DROP TABLE campaign_variants;
DROP TABLE campaigns;
ALTER TABLE brands DROP COLUMN settings;
