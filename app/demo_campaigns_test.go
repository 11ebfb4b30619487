package app

import (
	"context"
	"io"
	"testing"
	"time"

	"relance/campaigns"
	"relance/conversations"
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

// TestDemoPeopleHaveNames: the demo's contacts get their names and pictures from the sandbox's User Profile
// API once the server runs, each asked for once.
func TestDemoPeopleHaveNames(t *testing.T) {
	ctx := context.Background()
	cfg := Defaults()
	cfg.Database.URL = testdb.URL(t)
	cfg.Security.SecretKey = "demo-people-test-secret-key-0123456789abc"
	cfg.Meta.SandboxStart = "2026-03-02T00:00:00Z"
	r, err := startWith(ctx, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.close)
	if err := seedDemo(ctx, r, "http://127.0.0.1", io.Discard); err != nil {
		t.Fatal(err)
	}
	sb, err := newSandbox(cfg, r.key, "", r)
	if err != nil {
		t.Fatal(err)
	}
	graph, err := newMetaClient(cfg, r.key, sb, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := conversations.NewProfiles(r.db, graph, r.store, r.log, conversations.ProfileOptions{Pace: time.Millisecond})
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	queueDemoProfiles(ctx, r, p)
	go p.Run(runCtx)
	count := func(q string) (n int64) {
		if err := r.db.R.Raw(q).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	total := count("SELECT COUNT(*) FROM contacts")
	deadline := time.Now().Add(60 * time.Second)
	for count("SELECT COUNT(*) FROM contacts WHERE name <> '' AND profile_pic_url <> ''") < total && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if named := count("SELECT COUNT(*) FROM contacts WHERE name <> '' AND profile_pic_url <> ''"); total == 0 || named != total {
		t.Fatalf("%d of %d demo contacts named", named, total)
	}
	var page, psid, name string
	if err := r.db.R.Raw("SELECT page_id, psid, name FROM contacts ORDER BY id LIMIT 1").Row().Scan(&page, &psid, &name); err != nil {
		t.Fatal(err)
	}
	if first, last := sb.PersonName(psid); name != first+" "+last || sb.ProfileCalls(page, psid) != 1 {
		t.Errorf("%s is %q (%d calls), want %s %s asked once", psid, name, sb.ProfileCalls(page, psid), first, last)
	}
}
