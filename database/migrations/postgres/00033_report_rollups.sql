-- +goose Up
-- Report rollups (DESIGN §5 "Reports and exports"): reports read these and the spend ledger, never raw
-- messages. Both are maintained where their facts are written (attribution's ingest observer, conversion
-- create and import) and rebuilt by `relance attribution rebuild`.

-- Conversations, new conversations and replies per brand, brand-zone day and attribution key (campaign,
-- variant, ad, link; all empty for what no touch credits). A conversation counts once, under its first
-- touch; a reply is a send_reply touch, counted on its own day. Figures are maintained by deltas: a
-- conversation that gets its first touch later moves from the empty key to the touch's.
CREATE TABLE report_days (
    tenant_id         TEXT NOT NULL,
    brand_id          TEXT NOT NULL,
    day               TEXT NOT NULL,
    campaign_id       TEXT NOT NULL,
    variant           TEXT NOT NULL,
    ad_id             TEXT NOT NULL,
    link              TEXT NOT NULL,
    conversations     BIGINT NOT NULL DEFAULT 0,
    new_conversations BIGINT NOT NULL DEFAULT 0,
    replies           BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, brand_id, day, campaign_id, variant, ad_id, link)
);

-- Each conversion's credit under every model and window (3 × 3), one line per credited touch (seq), or one
-- line with an empty key when no touch in the window credits it: the read picks a model and window and
-- sums lines, so choosing them never rewrites a stored fact. count_centi is the conversion's count in
-- hundredths, split like its value (linear credit over three touches: 34, 33, 33), so that totals add up.
-- day is the conversion's brand-zone day.
CREATE TABLE report_credits (
    tenant_id     TEXT NOT NULL,
    conversion_id TEXT NOT NULL,
    model         TEXT NOT NULL,
    window_days   INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    brand_id      TEXT NOT NULL,
    day           TEXT NOT NULL,
    type          TEXT NOT NULL,
    currency      TEXT NOT NULL,
    campaign_id   TEXT NOT NULL,
    variant       TEXT NOT NULL,
    ad_id         TEXT NOT NULL,
    link          TEXT NOT NULL,
    count_centi   BIGINT NOT NULL,
    value         BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, conversion_id, model, window_days, seq)
);
-- Covering: a report reads one model and window over a range of days without visiting the table.
CREATE INDEX report_credits_read ON report_credits (tenant_id, model, window_days, day, brand_id, campaign_id, variant,
    ad_id, link, type, currency, count_centi, value);

-- Reports read the ledger brand by brand over a range of days: this index holds what they read of it.
CREATE INDEX spend_days_report ON spend_days (tenant_id, brand_id, day, ad_id, currency, spend, impressions, clicks, ad_name);

-- +goose Down
DROP INDEX spend_days_report;
DROP TABLE report_credits;
DROP TABLE report_days;
