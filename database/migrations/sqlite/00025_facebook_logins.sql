-- +goose Up
-- A Facebook Login that connects Pages, while it is under way. The state handed to Meta's dialog is kept as a
-- hash, bound to the agency, brand, user and session that started it, and works once before expires_at. After
-- the callback the row holds the person's token sealed with the vault, for the few minutes the Page picker
-- needs; connecting (or the session ending) deletes it. The token is never in a page or a URL.
CREATE TABLE facebook_logins (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    brand_id     TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_hash TEXT NOT NULL REFERENCES sessions(id_hash) ON DELETE CASCADE,
    state_hash   TEXT NOT NULL UNIQUE,
    token_enc    TEXT NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL,
    used_at      DATETIME
);
CREATE INDEX facebook_logins_session ON facebook_logins (session_hash);
CREATE INDEX facebook_logins_expires ON facebook_logins (expires_at);

-- +goose Down
DROP TABLE facebook_logins;
