-- +goose Up
-- A/B results compare each variant's reply rate with the holdout's: a held-out member receives nothing, so
-- their "reply" is an inbound message within the reply window after the slot's send time. The settle sweep
-- writes its time here (epoch milliseconds UTC, 0 = none yet); sent rows keep using status replied.
ALTER TABLE campaign_sends ADD COLUMN replied_at BIGINT NOT NULL DEFAULT 0;
-- The sweep looks each minute for the recent held-out rows without a reply yet, by slot.
CREATE INDEX campaign_sends_holdout ON campaign_sends (slot) WHERE status = 'holdout' AND replied_at = 0;

-- +goose Down
DROP INDEX campaign_sends_holdout;
ALTER TABLE campaign_sends DROP COLUMN replied_at;
