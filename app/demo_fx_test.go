package app

import (
	"context"
	"io"
	"testing"
	"time"

	"relance/fx"
	"relance/internal/testdb"
)

// TestDemoRates seeds the demo agency and converts each demo currency to EUR on today's and a weekend's date.
func TestDemoRates(t *testing.T) {
	ctx := context.Background()
	cfg := Defaults()
	cfg.Database.URL = testdb.URL(t)
	cfg.Security.SecretKey = "demo-rates-test-secret-key-0123456789abc"
	r, err := startWith(ctx, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.close)
	if err := seedDemo(ctx, r, "http://127.0.0.1", io.Discard); err != nil {
		t.Fatal(err)
	}
	tn, _ := r.store.TenantBySlug(ctx, demoSlug)
	today := time.Now().UTC().Format(time.DateOnly)
	b, err := fx.NewStore(r.db, nil).Board(ctx, tn.ID, today, "EUR")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Missing) != 0 {
		t.Errorf("demo currencies without a rate today: %v", b.Missing)
	}
	for _, q := range b.Quotes {
		if (q.Currency == "IDR" || q.Currency == "THB") && (q.Missing || q.Rate == "" || !q.InUse) {
			t.Errorf("%s: %+v", q.Currency, q)
		}
	}
}
