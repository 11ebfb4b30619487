-- +goose Up
-- Conversions a brand reports (API, CSV import): idempotent on the brand's own external_id. value is in the
-- currency's ISO minor unit. capi_* follow the one forwarding to Meta's Conversions API for business
-- messaging: off, pending, sending (claimed by an instance), sent, too_old or failed; the event id Meta gets
-- is the conversion id, and a conversion is never sent twice.
CREATE TABLE conversions (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL,
    brand_id      TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    contact_id    TEXT NOT NULL,
    page_id       TEXT NOT NULL,
    psid          TEXT NOT NULL,
    type          TEXT NOT NULL,
    value         BIGINT NOT NULL,
    currency      TEXT NOT NULL,
    occurred_at   BIGINT NOT NULL,
    source        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    capi_status   TEXT NOT NULL,
    capi_claim    TEXT NOT NULL DEFAULT '',
    capi_claimed_at BIGINT NOT NULL DEFAULT 0,
    capi_sent_at  BIGINT NOT NULL DEFAULT 0,
    capi_error    TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX conversions_external ON conversions (tenant_id, brand_id, external_id);
CREATE INDEX conversions_contact ON conversions (tenant_id, brand_id, page_id, psid, occurred_at);
CREATE INDEX conversions_capi ON conversions (capi_status, occurred_at);

-- A Page's Conversions API dataset, once Meta named it.
CREATE TABLE capi_datasets (
    page_id     TEXT PRIMARY KEY,
    dataset_id  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE capi_datasets;
DROP TABLE conversions;
