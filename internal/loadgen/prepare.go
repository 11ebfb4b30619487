package loadgen

import (
	"context"
	"fmt"

	"relance/database"
	"relance/tenancy"
)

// Prepare migrates the database at url and connects pages to a brand of a new agency, so that a relance
// started on it with security.secret_key = key routes the load's deliveries.
func Prepare(ctx context.Context, url, key string, pages []string) error {
	db, err := database.Open(url, database.Options{})
	if err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	v, err := tenancy.NewVault([]byte(key))
	if err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	st, err := tenancy.NewStore(ctx, db, v)
	if err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	tn, err := st.CreateTenant(ctx, "Load", "load")
	if err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	name, cur, tz := "Load brand", "EUR", "UTC"
	br, err := st.Tenant(tn.ID).CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
	if err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	for _, p := range pages {
		if _, err := st.Tenant(tn.ID).ConnectPage(ctx, br.ID, tenancy.PageInput{PageID: p, Name: "Load " + p, AccessToken: "EAAB-load-page-token"}); err != nil {
			return fmt.Errorf("loadgen: connect %s: %w", p, err)
		}
	}
	return nil
}
