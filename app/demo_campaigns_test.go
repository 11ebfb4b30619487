package app

import (
	"context"
	"io"
	"testing"

	"relance/campaigns"
	"relance/internal/testdb"
	"relance/tenancy"
)

// TestDemoCampaigns seeds the demo agency as serve --demo does and finds the three kinds of campaign in the
// states a newcomer should see, on every demo brand (EUR, IDR and THB budgets alike).
func TestDemoCampaigns(t *testing.T) {
	ctx := context.Background()
	cfg := Defaults()
	cfg.Database.URL = testdb.URL(t)
	cfg.Security.SecretKey = "demo-campaigns-test-secret-key-0123456789"
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
	brands, _, err := r.store.Tenant(tn.ID).Brands(ctx, tenancy.Visible{All: true}, tenancy.Cursor{})
	if err != nil || len(brands) != len(demoBrands) {
		t.Fatalf("brands: %d %v", len(brands), err)
	}
	for _, b := range brands {
		list, _, err := campaigns.NewStore(r.db, tn.ID, b, campaigns.Options{}).List(ctx, campaigns.Filter{}, tenancy.Cursor{})
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]string{}
		for _, c := range list {
			states[c.Kind+" "+c.State] = c.Name
		}
		for _, want := range []string{"sponsored_message running", "click_to_messenger pending_approval", "messenger_home draft", "sponsored_message archived"} {
			if states[want] == "" {
				t.Errorf("%s has no %s campaign: %v", b.Name, want, states)
			}
		}
	}
}
