-- +goose Up
-- Runs of a sponsored-message campaign: one per (campaign, slot); send_at is the slot delayed past quiet hours. The unique key is what makes "run now" a 409
-- when the slot already ran, whichever instance or person started it. Times are epoch milliseconds UTC.
CREATE TABLE campaign_runs (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    brand_id     TEXT NOT NULL,
    campaign_id  TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    slot         BIGINT NOT NULL,
    status       TEXT NOT NULL,
    cause        TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    send_at      BIGINT NOT NULL DEFAULT 0,
    started_at   BIGINT NOT NULL,
    finished_at  BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX campaign_runs_slot ON campaign_runs (campaign_id, slot);
CREATE INDEX campaign_runs_brand ON campaign_runs (tenant_id, brand_id, campaign_id, slot);

-- One row per (campaign, slot, contact), written before any call: a rerun of the slot finds it, and its id
-- travels in the Send API metadata so an answer lost on the way is settled from the echo. contact_id is the
-- Page-scoped key page_id:psid when relance has no contact row (an audience member never talked with).
CREATE TABLE campaign_sends (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    brand_id     TEXT NOT NULL,
    campaign_id  TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    run_id       TEXT NOT NULL,
    slot         BIGINT NOT NULL,
    contact_id   TEXT NOT NULL,
    page_id      TEXT NOT NULL,
    psid         TEXT NOT NULL,
    variant      TEXT NOT NULL DEFAULT '',
    route        TEXT NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    error_class  TEXT NOT NULL DEFAULT '',
    error_code   INTEGER NOT NULL DEFAULT 0,
    message_id   TEXT NOT NULL DEFAULT '',
    claimed_by   TEXT NOT NULL DEFAULT '',
    claimed_at   BIGINT NOT NULL DEFAULT 0,
    sent_at      BIGINT NOT NULL DEFAULT 0,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX campaign_sends_once ON campaign_sends (campaign_id, slot, contact_id);
CREATE INDEX campaign_sends_run ON campaign_sends (run_id, status, id);
-- Delivery tracking looks for the sends of a thread that are still moving (sent, delivered, unknown).
CREATE INDEX campaign_sends_thread ON campaign_sends (tenant_id, page_id, psid, status);
-- The settle sweep looks for sends still moving (sending, unknown, sent, delivered, read) by status.
CREATE INDEX campaign_sends_status ON campaign_sends (status);

-- The audience snapshots a run routed from: pruning keeps them while a run points at them (DESIGN §5), so
-- what a slot sent to can always be read back.
CREATE TABLE campaign_run_snapshots (
    run_id      TEXT NOT NULL REFERENCES campaign_runs(id) ON DELETE CASCADE,
    snapshot_id TEXT NOT NULL,
    PRIMARY KEY (run_id, snapshot_id)
);
CREATE INDEX campaign_run_snapshots_snapshot ON campaign_run_snapshots (snapshot_id);

-- +goose Down
DROP TABLE campaign_run_snapshots;
DROP TABLE campaign_sends;
DROP TABLE campaign_runs;
