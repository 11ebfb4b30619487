package app

import (
	"context"
	"io"
	"testing"

	"relance/internal/testdb"
	"relance/tenancy"
)

// seededDemo starts relance on a fresh test database with the defaults changed by edit (nil: none), seeds the
// demo agency as serve --demo does, and returns the runtime, its configuration and the demo agency.
func seededDemo(ctx context.Context, t *testing.T, edit func(*Config)) (*runtime, Config, tenancy.Tenant) {
	t.Helper()
	cfg := Defaults()
	cfg.Database.URL = testdb.URL(t)
	cfg.Security.SecretKey = "demo-test-secret-key-0123456789abcdefghij"
	if edit != nil {
		edit(&cfg)
	}
	r, err := startWith(ctx, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.close)
	if err := seedDemo(ctx, r, "http://127.0.0.1", io.Discard); err != nil {
		t.Fatal(err)
	}
	tn, err := r.store.TenantBySlug(ctx, demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	return r, cfg, tn
}
