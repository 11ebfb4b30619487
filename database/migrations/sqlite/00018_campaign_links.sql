-- +goose Up
-- Labelled entry points of a campaign (DESIGN §5, links): each is an m.me link whose ref is the campaign's
-- ref, a dot and the label's slug, so a conversation that starts from it names both. The ref is derived, not
-- stored, so that it follows the campaign's ref when that changes; the slug is stored, and unique within the
-- campaign, because two labels that slug alike would share one ref.
CREATE TABLE campaign_links (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    brand_id    TEXT NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    label       TEXT NOT NULL,
    slug        TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX campaign_links_slug ON campaign_links (campaign_id, slug);
CREATE INDEX campaign_links_tenant ON campaign_links (tenant_id, brand_id, campaign_id);

-- +goose Down
DROP TABLE campaign_links;
