-- +goose Up
-- Exchange rates, one row per day and currency pair: 1 base = rate quote, the decimal string as published
-- (never a float). ECB reference rates are facts for every agency and carry tenant_id ''; an agency's manual
-- rates (for currencies the ECB does not publish) carry its id and are seen by that agency only.
CREATE TABLE fx_rates (
    tenant_id   TEXT NOT NULL,
    day         TEXT NOT NULL,
    base        TEXT NOT NULL,
    quote       TEXT NOT NULL,
    rate        TEXT NOT NULL,
    source      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, base, quote, day)
);

-- An agency reports in one currency and reads its month boundaries in one zone (DESIGN §5 "Money").
ALTER TABLE tenants ADD COLUMN reporting_currency TEXT NOT NULL DEFAULT 'EUR';
ALTER TABLE tenants ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- +goose Down
ALTER TABLE tenants DROP COLUMN time_zone;
ALTER TABLE tenants DROP COLUMN reporting_currency;
DROP TABLE fx_rates;
