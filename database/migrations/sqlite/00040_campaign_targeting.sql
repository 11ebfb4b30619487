-- +goose Up
-- Where an ads campaign's ad set reaches people: ISO 3166-1 alpha-2 country codes as a JSON array ("[]": the
-- default, see campaigns.Targeting).
ALTER TABLE campaigns ADD COLUMN countries TEXT NOT NULL DEFAULT '[]';
-- The tag a custom audience is created with, recorded before the create call, so that a create whose answer
-- was lost is found again by it instead of making a second custom audience.
ALTER TABLE audience_syncs ADD COLUMN create_tag TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE audience_syncs DROP COLUMN create_tag;
ALTER TABLE campaigns DROP COLUMN countries;
