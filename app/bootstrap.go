package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"relance/tenancy"
)

// Bootstrap account names: the first agency and its administrator on an empty database.
const (
	bootstrapSlug  = "agency"
	bootstrapEmail = "admin@relance.local"
)

// bootstrap creates the first agency and an agency_admin with a one-time password when the database has no
// agency yet, and prints how to log in. Two instances starting together race on the tenant's unique slug:
// the loser finds a conflict and leaves the work to the winner.
func bootstrap(ctx context.Context, r *runtime, publicURL string, out io.Writer) error {
	n, err := r.store.CountTenants(ctx)
	if err != nil || n > 0 {
		return err
	}
	ctx = tenancy.WithActor(ctx, tenancy.Actor{Label: "bootstrap"})
	t, err := r.store.CreateTenant(ctx, "My agency", bootstrapSlug)
	if errors.Is(err, tenancy.ErrConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("app: bootstrap: %w", err)
	}
	pw := tenancy.GeneratePassword()
	if _, err := r.store.Tenant(t.ID).CreateUser(ctx, tenancy.NewUser{Email: bootstrapEmail, Name: "Administrator",
		Password: pw, MustChangePassword: true, Role: tenancy.RoleAgencyAdmin}); err != nil {
		return fmt.Errorf("app: bootstrap: %w", err)
	}
	fmt.Fprintf(out, "relance: first start. Log in at %s/login as %s with the one-time password %s\n", publicURL, bootstrapEmail, pw)
	return nil
}
