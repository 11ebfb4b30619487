-- +goose Up
-- A slot writes every member's send row as queued (or holdout, skipped) and moves it twice more (claimed,
-- then settled): each index that holds the row on its status is one more B-tree write per step. Three of
-- them only serve rows past the claim, so they hold those rows only, and a slot's routing writes none of them.
-- The queries that use them repeat each index's WHERE term word for word (SQLite uses a partial index only
-- when the query carries its terms).

-- The settle sweep (lost claims, echoes, receipts) and the frequency cap read sends that may have gone, by
-- status and slot: the slot bounds the receipt sweep to recent sends instead of every sent row ever.
DROP INDEX campaign_sends_status;
CREATE INDEX campaign_sends_gone ON campaign_sends (status, slot)
    WHERE status IN ('sending', 'unknown', 'sent', 'delivered', 'read', 'replied');

-- Marketing Messages sent and waiting for the echo that brings their mid: a handful of rows.
DROP INDEX campaign_sends_no_mid;
CREATE INDEX campaign_sends_no_mid ON campaign_sends (slot) WHERE status = 'sent' AND message_id = '';

-- Attribution looks for the sends of a thread that reached the person.
DROP INDEX campaign_sends_thread;
CREATE INDEX campaign_sends_thread ON campaign_sends (tenant_id, page_id, psid, status)
    WHERE status IN ('delivered', 'read', 'replied');

-- Sends waiting for an ad (the ads_only retargeting audience, meta-2017's sponsored-message ads): the sweeps
-- find their runs here, instead of through an index of every queued row.
CREATE INDEX campaign_sends_ad_queue ON campaign_sends (route, run_id)
    WHERE status = 'queued' AND route IN ('ads_only', 'paid');

-- +goose Down
DROP INDEX campaign_sends_ad_queue;
DROP INDEX campaign_sends_thread;
CREATE INDEX campaign_sends_thread ON campaign_sends (tenant_id, page_id, psid, status);
DROP INDEX campaign_sends_no_mid;
CREATE INDEX campaign_sends_no_mid ON campaign_sends (status) WHERE message_id = '';
DROP INDEX campaign_sends_gone;
CREATE INDEX campaign_sends_status ON campaign_sends (status);
