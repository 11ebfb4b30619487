-- +goose Up
-- Contact aggregates folded after the commit that answers Meta (ingest.fold_interval): each webhook batch
-- appends one row per contact it touched, the contact's delta as JSON, and a fold merges the queued deltas
-- per contact, updates contacts once each and deletes the rows it took, in one transaction. Appending here
-- instead of rewriting contact rows and their activity-ordered indexes at random is what the hot path saves.
CREATE TABLE contact_fold_queue (
    id    BIGSERIAL PRIMARY KEY,
    delta TEXT NOT NULL
);

-- +goose Down
DROP TABLE contact_fold_queue;
