-- +goose Up
-- Attribution reads each contact's latest user event before a batch (the silence that tells a new
-- conversation from a continued one). With contact aggregates folded after the webhook's commit
-- (ingest.fold_interval), the latest may still wait in contact_fold_queue: the queue's rows name their contact
-- and carry that time in columns, indexed for the rows that have one, so the read finds them by key. Rows
-- queued before are filled from their JSON (a row relance did not write is left to the fold, which keeps it aside).
ALTER TABLE contact_fold_queue ADD COLUMN brand_id TEXT NOT NULL DEFAULT '';
ALTER TABLE contact_fold_queue ADD COLUMN page_id TEXT NOT NULL DEFAULT '';
ALTER TABLE contact_fold_queue ADD COLUMN psid TEXT NOT NULL DEFAULT '';
ALTER TABLE contact_fold_queue ADD COLUMN last_interaction_at BIGINT NOT NULL DEFAULT 0;
UPDATE contact_fold_queue SET brand_id = delta->>'b', page_id = delta->>'p', psid = delta->>'s',
    last_interaction_at = COALESCE(delta->>'lx', 0)
    WHERE json_valid(delta);
CREATE INDEX contact_fold_queue_contact ON contact_fold_queue (psid, page_id, brand_id, last_interaction_at)
    WHERE last_interaction_at > 0;

-- +goose Down
DROP INDEX contact_fold_queue_contact;
ALTER TABLE contact_fold_queue DROP COLUMN last_interaction_at;
ALTER TABLE contact_fold_queue DROP COLUMN psid;
ALTER TABLE contact_fold_queue DROP COLUMN page_id;
ALTER TABLE contact_fold_queue DROP COLUMN brand_id;
