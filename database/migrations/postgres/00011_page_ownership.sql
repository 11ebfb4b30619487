-- +goose Up
-- Disconnecting a Page bumps this one counter in the same transaction. Every ingester reads it once per batch
-- and drops its Page-route cache when it moved, so no instance routes a webhook to a Page disconnected on
-- another instance (before: up to a 30 s expiry), for one single-row read per batch.
CREATE TABLE page_route_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO page_route_epoch (id, epoch) VALUES (1, 0);

-- When Meta confirmed the Page's token was the Page's own (GET /me) and subscribed the app. Pages connected
-- before that check have none: their kept-aside webhooks are not released to them, and the Page's verified
-- owner may connect it elsewhere, which disconnects them.
ALTER TABLE pages ADD COLUMN verified_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE pages DROP COLUMN verified_at;
DROP TABLE page_route_epoch;
