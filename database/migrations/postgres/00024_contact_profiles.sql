-- +goose Up
-- People, not PSIDs: the Messenger User Profile API's answer, cached on the contact (DESIGN §5). Empty until
-- fetched; profile_fetched_at (epoch ms, 0 = never) is when relance last asked, so that Meta is asked at most
-- once per contact per meta.profile_refresh_age. name_fold is the name in FoldText's form, what ?name= compares.
ALTER TABLE contacts ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN name_fold TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN profile_pic_url TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN profile_fetched_at BIGINT NOT NULL DEFAULT 0;
-- The profile worker's sweep finds recently active contacts never asked about; partial, so that the many
-- writes to contacts already fetched (every message moves last_interaction_at) do not touch it.
CREATE INDEX contacts_profile_due ON contacts (last_interaction_at) WHERE profile_fetched_at = 0;

-- +goose Down
DROP INDEX contacts_profile_due;
ALTER TABLE contacts DROP COLUMN profile_fetched_at;
ALTER TABLE contacts DROP COLUMN profile_pic_url;
ALTER TABLE contacts DROP COLUMN last_name;
ALTER TABLE contacts DROP COLUMN first_name;
ALTER TABLE contacts DROP COLUMN name_fold;
ALTER TABLE contacts DROP COLUMN name;
