-- +goose Up
-- The spend ledger: one row per ad and day of its ad account's zone, in the account's currency, as Insights
-- last reported it while the day's month was open (DESIGN §5 "Money"). Spend is in the currency's ISO minor
-- unit. month is the day's YYYY-MM, so a month's figures are one range read.
CREATE TABLE spend_days (
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
);
CREATE INDEX spend_days_month ON spend_days (tenant_id, month, brand_id);

-- What Meta restated after a month closed: the difference lands, dated and explained, in the first open
-- month after the restated day's, so a closed month's figures never change.
CREATE TABLE spend_adjustments (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL,
    brand_id       TEXT NOT NULL,
    ad_account_id  TEXT NOT NULL,
    ad_id          TEXT NOT NULL,
    day            TEXT NOT NULL,
    month          TEXT NOT NULL,
    currency       TEXT NOT NULL,
    spend          BIGINT NOT NULL,
    impressions    BIGINT NOT NULL,
    reach          BIGINT NOT NULL,
    clicks         BIGINT NOT NULL,
    conversations  BIGINT NOT NULL,
    replies        BIGINT NOT NULL,
    reason         TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX spend_adjustments_month ON spend_adjustments (tenant_id, month, brand_id);
CREATE INDEX spend_adjustments_key ON spend_adjustments (tenant_id, ad_account_id, ad_id, day);

-- Closed months, per agency. A month without a row is open.
CREATE TABLE finance_months (
    tenant_id   TEXT NOT NULL,
    month       TEXT NOT NULL,
    closed_at   BIGINT NOT NULL,
    closed_by   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, month)
);

-- Jobs started by hand that outlive their request (a spend sync): their status is read back by id.
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    status       TEXT NOT NULL,
    params       TEXT NOT NULL,
    result       TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX jobs_tenant ON jobs (tenant_id, created_at);

-- +goose Down
DROP TABLE jobs;
DROP TABLE finance_months;
DROP TABLE spend_adjustments;
DROP TABLE spend_days;
