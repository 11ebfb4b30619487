-- +goose Up
-- Attribution names the campaign of an ad referral by the ad's id, for each ingested batch: one indexed read.
CREATE INDEX campaign_meta_ads_ad ON campaign_meta_ads (tenant_id, ad_id);

-- +goose Down
DROP INDEX campaign_meta_ads_ad;
