package tenancy_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"relance/tenancy"
)

// TestAdAccountTokenIsSealed attaches ad accounts with and without a Marketing API token: the token is
// stored sealed, never in JSON, opened for calls, and a bad one is refused naming the field.
func TestAdAccountTokenIsSealed(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a, _ := s.CreateTenant(ctx, "Agency A", "agency-a")
	ts := s.Tenant(a.ID)
	brand, err := ts.CreateBrand(ctx, tenancy.BrandInput{Name: ptr("Acme"), Currency: ptr("EUR"), Timezone: ptr("Europe/Paris")})
	if err != nil {
		t.Fatal(err)
	}
	const token = "EAAGsystemUserAdsManagementToken0042"
	acct, err := ts.AddAdAccount(ctx, brand.ID, tenancy.AdAccountInput{AccountID: "act_1000000000001", Name: "Acme EUR", AccessToken: token})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(acct)
	if strings.Contains(string(raw), token) || !strings.Contains(string(raw), `"token_hint":"…0042"`) {
		t.Errorf("JSON of the ad account: %s", raw)
	}
	var stored string
	s.DB().R.Raw("SELECT access_token_enc FROM ad_accounts").Scan(&stored)
	if stored == "" || strings.Contains(stored, token) {
		t.Fatalf("stored token = %q", stored)
	}
	if got, err := ts.AdAccountToken(ctx, brand.ID, "act_1000000000001"); err != nil || got != token {
		t.Fatalf("AdAccountToken = %q, %v", got, err)
	}
	if _, err := ts.AddAdAccount(ctx, brand.ID, tenancy.AdAccountInput{AccountID: "act_1000000000002", Name: "No token"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.AdAccountToken(ctx, brand.ID, "act_1000000000002"); !errors.Is(err, tenancy.ErrNoAdAccountToken) {
		t.Errorf("no token: %v", err)
	}
	_, err = ts.AddAdAccount(ctx, brand.ID, tenancy.AdAccountInput{AccountID: "act_1000000000003", Name: "Bad", AccessToken: "short token"})
	var v *tenancy.ValidationError
	if !errors.As(err, &v) || v.Fields["access_token"] == "" {
		t.Errorf("bad token: %v", err)
	}
}
