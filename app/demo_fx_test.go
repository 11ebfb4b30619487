package app

import (
	"context"
	"testing"
	"time"

	"relance/fx"
)

// TestDemoRates seeds the demo agency and converts each demo currency to EUR on today's and a weekend's date.
func TestDemoRates(t *testing.T) {
	ctx := context.Background()
	r, _, tn := seededDemo(ctx, t, nil)
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
