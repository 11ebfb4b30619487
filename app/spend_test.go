package app

import (
	"context"
	"io"
	"testing"

	"relance/internal/testdb"
	"relance/tenancy"
)

// TestSpendSchedules lists one daily pull per ad account that has a token, in the account's zone.
func TestSpendSchedules(t *testing.T) {
	ctx := context.Background()
	cfg := Defaults()
	cfg.Database.URL = testdb.URL(t)
	cfg.Security.SecretKey = "spend-schedules-test-secret-key-0123456789"
	r, err := startWith(ctx, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.close)
	tn, _ := r.store.CreateTenant(ctx, "Agency", "agency")
	ts := r.store.Tenant(tn.ID)
	name, cur, tz := "Brand", "THB", "Asia/Bangkok"
	b, err := ts.CreateBrand(ctx, tenancy.BrandInput{Name: &name, Currency: &cur, Timezone: &tz})
	if err != nil {
		t.Fatal(err)
	}
	with, err := ts.AddAdAccount(ctx, b.ID, tenancy.AdAccountInput{AccountID: "act_2300000000101", Name: "With", AccessToken: "EAABspendScheduleToken0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.AddAdAccount(ctx, b.ID, tenancy.AdAccountInput{AccountID: "act_2300000000102", Name: "Without"}); err != nil {
		t.Fatal(err)
	}
	entries, err := spendSchedules(r)(ctx)
	if err != nil || len(entries) != 1 {
		t.Fatalf("entries: %+v %v", entries, err)
	}
	if e := entries[0]; e.Key != tn.ID+"/"+with.ID || e.Spec != spendSpec || e.TZ != with.Timezone || e.TZ == "" {
		t.Errorf("entry %+v, account zone %q", e, with.Timezone)
	}
}
