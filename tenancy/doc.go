// Package tenancy holds agencies (tenants), their brands, Pages and ad accounts, the people who use relance,
// their sessions and API tokens, their roles (Casbin, RBAC with domains) and the audit log of every change.
// It knows nothing of HTTP: the web package calls it with a context that carries the acting user.
package tenancy
