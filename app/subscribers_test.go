package app

import (
	"context"
	"io"
	"testing"

	"relance/internal/testdb"
	"relance/tenancy"
)

// TestSandboxLearnsSubscribers: the in-process sandbox finds the person behind a subscription token relance
// holds sealed (as Meta, which issued it, would), and nobody behind a token of another Page or a stopped one.
func TestSandboxLearnsSubscribers(t *testing.T) {
	ctx := tenancy.WithActor(context.Background(), tenancy.Actor{Label: "test"})
	cfg := Defaults()
	cfg.Database.URL = testdb.URL(t)
	cfg.Security.SecretKey = "subscribers-test-secret-key-0123456789ab"
	r, err := startWith(ctx, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.close)
	tn, brand := seedAgencyBrand(t, ctx, r)
	const page = "1040000000088"
	v := r.store.Vault()
	for _, c := range []struct {
		psid, token string
		subscribed  bool
	}{{"8801", "tok-live", true}, {"8802", "tok-stopped", false}} {
		if err := r.db.W.Exec(`INSERT INTO contacts (id, tenant_id, brand_id, page_id, psid, first_seen_at, optin_at, subscribed, optin_token_enc, updated_at)
			VALUES (?, ?, ?, ?, ?, 1, 1, ?, ?, 1)`, tenancy.NewID(), tn.ID, brand.ID, page, c.psid, c.subscribed,
			v.Seal(c.token, "optin:"+page+":"+c.psid)).Error; err != nil {
			t.Fatal(err)
		}
	}
	find := subscribers(r)
	if psid, ok := find(page, "tok-live"); !ok || psid != "8801" {
		t.Errorf("tok-live: %q %v", psid, ok)
	}
	if _, ok := find(page, "tok-stopped"); ok {
		t.Error("a stopped subscription was found")
	}
	if _, ok := find("1040000000089", "tok-live"); ok {
		t.Error("a token was found on another Page")
	}
}
