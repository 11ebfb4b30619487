-- +goose Up
-- The Meta objects of an ads campaign (DESIGN §5 "Launch of the ads kinds"). A launch records each object id
-- here as soon as Meta answers it, before its next call, so a retry never creates a second one; objects whose
-- answer was lost are found again by the tag relance puts in their names. The *_status columns are what
-- relance last set at Meta; budget_minor and ends_at are what Meta holds, so the minute sweep mirrors changes;
-- budget_edits are the epoch ms of recent budget changes (at most 4 an hour per ad set). error_* is Meta's
-- error of the last failed launch or mirror, shown on the campaign until an attempt succeeds. lease_until
-- keeps a second launch or sweep from working on the campaign's Meta objects at the same time.
-- retarget_audience_id is the custom audience a sponsored-message campaign's ads_only members go to.
CREATE TABLE campaign_meta (
    campaign_id      TEXT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    tenant_id        TEXT NOT NULL,
    brand_id         TEXT NOT NULL,
    ad_account_id    TEXT NOT NULL,
    meta_campaign_id TEXT NOT NULL DEFAULT '',
    adset_id         TEXT NOT NULL DEFAULT '',
    campaign_status  TEXT NOT NULL DEFAULT '',
    adset_status     TEXT NOT NULL DEFAULT '',
    budget_minor     BIGINT NOT NULL DEFAULT 0,
    ends_at          BIGINT NOT NULL DEFAULT 0,
    budget_edits     TEXT NOT NULL DEFAULT '[]',
    error_message    TEXT NOT NULL DEFAULT '',
    error_code       INTEGER NOT NULL DEFAULT 0,
    error_subcode    INTEGER NOT NULL DEFAULT 0,
    error_at         BIGINT NOT NULL DEFAULT 0,
    launched_at      BIGINT NOT NULL DEFAULT 0,
    polled_at        BIGINT NOT NULL DEFAULT 0,
    lease_until      BIGINT NOT NULL DEFAULT 0,
    retarget_audience_id TEXT NOT NULL DEFAULT '',
    updated_at       BIGINT NOT NULL
);
CREATE INDEX campaign_meta_brand ON campaign_meta (tenant_id, brand_id, campaign_id);

-- One creative and one ad per variant and content version: a content change approved again gets new ones,
-- and the older ads are paused. effective_status and review are what the last poll read.
CREATE TABLE campaign_meta_ads (
    campaign_id      TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    tenant_id        TEXT NOT NULL,
    variant          TEXT NOT NULL,
    version          BIGINT NOT NULL,
    creative_id      TEXT NOT NULL DEFAULT '',
    ad_id            TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT '',
    effective_status TEXT NOT NULL DEFAULT '',
    review           TEXT NOT NULL DEFAULT '',
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, variant, version)
);

-- Sponsored messages (meta-2017): each run's paid recipients of a variant are a PAGEUID custom audience that an
-- ad set placed on sponsored_messages targets, with the variant's creative and ad; ids recorded as they come.
CREATE TABLE campaign_meta_runs (
    run_id      TEXT NOT NULL,
    variant     TEXT NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    tenant_id   TEXT NOT NULL,
    audience_id TEXT NOT NULL DEFAULT '',
    uploaded    BOOLEAN NOT NULL DEFAULT FALSE,
    adset_id    TEXT NOT NULL DEFAULT '',
    creative_id TEXT NOT NULL DEFAULT '',
    ad_id       TEXT NOT NULL DEFAULT '',
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (run_id, variant)
);

-- +goose Down
DROP TABLE campaign_meta_runs;
DROP TABLE campaign_meta_ads;
DROP TABLE campaign_meta;
