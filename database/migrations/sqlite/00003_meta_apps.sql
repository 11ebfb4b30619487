-- +goose Up
-- Meta apps an agency registered itself: webhooks for them arrive at /webhooks/messenger/{app_id} and are
-- checked with that app's secret. Secret and verify token are sealed with the instance key.
CREATE TABLE meta_apps (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id           TEXT NOT NULL,
    name             TEXT NOT NULL,
    app_secret_enc   TEXT NOT NULL,
    verify_token_enc TEXT NOT NULL,
    created_at       DATETIME NOT NULL
);
CREATE UNIQUE INDEX meta_apps_app_id ON meta_apps (app_id);
CREATE INDEX meta_apps_tenant ON meta_apps (tenant_id, id);

-- Entries kept aside from an agency's own app may only ever be replayed into that agency.
ALTER TABLE unrouted_entries ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE unrouted_entries DROP COLUMN tenant_id;
DROP TABLE meta_apps;
