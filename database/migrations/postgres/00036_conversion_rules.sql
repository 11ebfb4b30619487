-- +goose Up
-- Brand conversion rules (DESIGN §5 "Attribution": a lead when a phone number or e-mail is shared, a purchase
-- on a postback payload) are applied by a sweep that reads the messages and contact events stored since its
-- watermark, one row per stream ('messages', 'contact_events'). Rows up to done_id are applied; seen_id is the
-- highest id at the previous sweep, applied at the next one, so that a transaction still open then (ids are
-- taken before commit) and the deferred contact fold have had a sweep interval to finish.
CREATE TABLE conversion_rule_marks (
    stream     TEXT PRIMARY KEY,
    done_id    BIGINT NOT NULL,
    seen_id    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE conversion_rule_marks;
