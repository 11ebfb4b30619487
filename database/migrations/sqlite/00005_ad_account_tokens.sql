-- +goose Up
-- Marketing API calls for an ad account need a token with ads_management (usually a system user's); it is
-- sealed with the instance key like Page tokens. Empty for accounts attached before, or without one.
ALTER TABLE ad_accounts ADD COLUMN access_token_enc TEXT NOT NULL DEFAULT '';
ALTER TABLE ad_accounts ADD COLUMN token_hint TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE ad_accounts DROP COLUMN token_hint;
ALTER TABLE ad_accounts DROP COLUMN access_token_enc;
