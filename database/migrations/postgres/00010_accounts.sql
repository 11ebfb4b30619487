-- +goose Up
-- Login throttling with backoff: a key that went over its limit is locked until locked_until, and each lockout
-- in a row (strikes) doubles the next one.
ALTER TABLE rate_limits ADD COLUMN strikes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rate_limits ADD COLUMN locked_until TIMESTAMPTZ;

-- An e-mail is unique within an agency, not across agencies: creating a user must answer the same whether or
-- not another agency has someone with that address (issue 12, item 13). Login looks the address up across
-- agencies through users_email_lookup.
DROP INDEX users_email;
CREATE UNIQUE INDEX users_tenant_email ON users (tenant_id, email);
CREATE INDEX users_email_lookup ON users (email);

-- A password reset an admin started: only the hash of the link's secret is kept, valid until reset_expires_at.
ALTER TABLE users ADD COLUMN reset_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN reset_expires_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE users DROP COLUMN reset_expires_at;
ALTER TABLE users DROP COLUMN reset_hash;
DROP INDEX users_email_lookup;
DROP INDEX users_tenant_email;
CREATE UNIQUE INDEX users_email ON users (email);
ALTER TABLE rate_limits DROP COLUMN locked_until;
ALTER TABLE rate_limits DROP COLUMN strikes;
