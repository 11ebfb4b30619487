-- +goose Up
-- Deliveries the database refused even when written alone (a value it cannot store): kept whole for
-- inspection instead of failing their batch-mates or being lost. One row per entry body: Meta's retries of the
-- same entry count as attempts. Purged with the kept-aside entries (ingest.unrouted_retention).
CREATE TABLE failed_entries (
    id          BIGSERIAL PRIMARY KEY,
    page_id     TEXT NOT NULL,
    tenant_id   TEXT NOT NULL DEFAULT '',
    body_hash   TEXT NOT NULL,
    body        TEXT NOT NULL,
    error       TEXT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 1,
    received_at BIGINT NOT NULL,
    last_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX failed_entries_body ON failed_entries (body_hash);
CREATE INDEX failed_entries_received ON failed_entries (received_at);

-- Retention deletes kept-aside entries by age.
CREATE INDEX unrouted_entries_received ON unrouted_entries (received_at);

-- Case-insensitive search beyond ASCII, the same on both databases: the text case-folded at write time
-- (conversations.FoldText), '' when folding leaves it unchanged. NULL marks messages stored before this
-- column: relance fills them in the background at start, and searches read LOWER(text) until then.
ALTER TABLE messages ADD COLUMN text_fold TEXT;

-- +goose Down
ALTER TABLE messages DROP COLUMN text_fold;
DROP INDEX unrouted_entries_received;
DROP TABLE failed_entries;
