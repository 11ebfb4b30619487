package tenancy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"relance/internal/testdb"
	"relance/tenancy"
)

func newStore(t *testing.T) *tenancy.Store {
	t.Helper()
	v, err := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := tenancy.NewStore(context.Background(), testdb.Open(t), v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ptr(s string) *string { return &s }

func TestBrandsAreScopedToTheirTenant(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a, err := s.CreateTenant(ctx, "Agency A", "agency-a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateTenant(ctx, "Agency B", "agency-b")
	if err != nil {
		t.Fatal(err)
	}
	brand, err := s.Tenant(a.ID).CreateBrand(ctx, tenancy.BrandInput{Name: ptr("Acme"), Currency: ptr("EUR"), Timezone: ptr("Europe/Paris")})
	if err != nil {
		t.Fatal(err)
	}
	if brand.Policy != tenancy.PolicyMetaCurrent {
		t.Errorf("default policy = %q", brand.Policy)
	}
	if _, err := s.Tenant(b.ID).Brand(ctx, brand.ID); !errors.Is(err, tenancy.ErrNotFound) {
		t.Errorf("other tenant reads brand: err = %v", err)
	}
	if _, err := s.Tenant(b.ID).UpdateBrand(ctx, brand.ID, tenancy.BrandInput{Name: ptr("x")}); !errors.Is(err, tenancy.ErrNotFound) {
		t.Errorf("other tenant updates brand: err = %v", err)
	}
	list, _, err := s.Tenant(b.ID).Brands(ctx, tenancy.Visible{All: true}, tenancy.Cursor{})
	if err != nil || len(list) != 0 {
		t.Errorf("other tenant lists %d brands, err %v", len(list), err)
	}
}

func TestBrandValidationNamesEachField(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a, _ := s.CreateTenant(ctx, "Agency A", "agency-a")
	_, err := s.Tenant(a.ID).CreateBrand(ctx, tenancy.BrandInput{Name: ptr(" "), Currency: ptr("EURO"), Timezone: ptr("Mars/Base"), Policy: ptr("meta-1999")})
	var v *tenancy.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("err = %v, want ValidationError", err)
	}
	for _, f := range []string{"name", "currency", "timezone", "policy"} {
		if v.Fields[f] == "" {
			t.Errorf("no error for %s in %v", f, v.Fields)
		}
	}
}

func TestPageTokenIsEncryptedAtRest(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a, _ := s.CreateTenant(ctx, "Agency A", "agency-a")
	ts := s.Tenant(a.ID)
	brand, err := ts.CreateBrand(ctx, tenancy.BrandInput{Name: ptr("Acme"), Currency: ptr("USD"), Timezone: ptr("UTC")})
	if err != nil {
		t.Fatal(err)
	}
	const token = "EAAGm0PX4ZCpsBAKZCsecret-page-token-0001"
	if _, err := ts.ConnectPage(ctx, brand.ID, tenancy.PageInput{PageID: "104000000000001", Name: "Acme FR", AccessToken: token}); err != nil {
		t.Fatal(err)
	}
	var stored string
	s.DB().R.Raw("SELECT access_token_enc FROM pages").Scan(&stored)
	if stored == "" || stored == token || len(stored) < len(token) {
		t.Fatalf("stored token = %q", stored)
	}
	got, err := ts.PageToken(ctx, "104000000000001")
	if err != nil || got != token {
		t.Fatalf("PageToken = %q, %v", got, err)
	}
	// The same Page cannot be connected twice, in any tenant.
	b, _ := s.CreateTenant(ctx, "Agency B", "agency-b")
	other, _ := s.Tenant(b.ID).CreateBrand(ctx, tenancy.BrandInput{Name: ptr("Other"), Currency: ptr("USD"), Timezone: ptr("UTC")})
	_, err = s.Tenant(b.ID).ConnectPage(ctx, other.ID, tenancy.PageInput{PageID: "104000000000001", Name: "x", AccessToken: token})
	// The answer is a conflict that says nothing about who holds the Page.
	if !errors.Is(err, tenancy.ErrConflict) || !errors.Is(err, tenancy.ErrPageTaken) ||
		strings.Contains(err.Error(), "Acme") || strings.Contains(err.Error(), "Agency A") || strings.Contains(err.Error(), brand.ID) {
		t.Fatalf("second connect: err = %v", err)
	}
	if err := ts.DeleteBrand(ctx, brand.ID); !errors.Is(err, tenancy.ErrConflict) {
		t.Fatalf("delete brand with a Page: err = %v", err)
	}
}

func TestRolesAndRevocation(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a, _ := s.CreateTenant(ctx, "Agency A", "agency-a")
	ts := s.Tenant(a.ID)
	b1, _ := ts.CreateBrand(ctx, tenancy.BrandInput{Name: ptr("One"), Currency: ptr("USD"), Timezone: ptr("UTC")})
	b2, _ := ts.CreateBrand(ctx, tenancy.BrandInput{Name: ptr("Two"), Currency: ptr("USD"), Timezone: ptr("UTC")})
	u, err := ts.CreateUser(ctx, tenancy.NewUser{Email: "Viewer@Example.com", Password: "correct horse battery", Role: tenancy.RoleBrandViewer, BrandID: b1.ID})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "viewer@example.com" {
		t.Errorf("email stored as %q", u.Email)
	}
	az := s.Authz()
	if !az.Can(a.ID, u.ID, b1.ID, tenancy.PermCampaignsRead) || az.Can(a.ID, u.ID, b2.ID, tenancy.PermCampaignsRead) {
		t.Error("brand role must hold on its brand only")
	}
	if az.Can(a.ID, u.ID, b1.ID, tenancy.PermMessagesRead) {
		t.Error("brand_viewer must not read messages")
	}
	all, ids := az.Brands(a.ID, u.ID, tenancy.PermBrandsRead)
	if all || len(ids) != 1 || ids[0] != b1.ID {
		t.Errorf("visible brands = %v %v", all, ids)
	}
	// A second store on the same database (another instance) sees the revocation after a reload.
	other, err := tenancy.NewStore(ctx, s.DB(), s.Vault())
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.RevokeRole(ctx, u.ID, tenancy.RoleBrandViewer, b1.ID); err != nil {
		t.Fatal(err)
	}
	if az.Can(a.ID, u.ID, b1.ID, tenancy.PermCampaignsRead) {
		t.Error("revoked role still holds on the instance that revoked it")
	}
	if err := other.Authz().Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if other.Authz().Can(a.ID, u.ID, b1.ID, tenancy.PermCampaignsRead) {
		t.Error("revoked role still holds on the other instance after reload")
	}
	if err := ts.RevokeRole(ctx, u.ID, tenancy.RoleBrandViewer, b1.ID); !errors.Is(err, tenancy.ErrNotFound) {
		t.Errorf("second revoke: %v", err)
	}
	entries, _, err := ts.Audit(ctx, tenancy.AuditFilter{Action: "role."}, tenancy.Cursor{})
	if err != nil || len(entries) != 1 || entries[0].Action != "role.revoke" {
		t.Errorf("audit = %+v, %v", entries, err)
	}
}

func TestLoginThrottleAndSessions(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a, _ := s.CreateTenant(ctx, "Agency A", "agency-a")
	u, err := s.Tenant(a.ID).CreateUser(ctx, tenancy.NewUser{Email: "admin@example.com", Password: "correct horse battery", Role: tenancy.RoleAgencyAdmin})
	if err != nil {
		t.Fatal(err)
	}
	lim := tenancy.LoginLimits{PerEmail: 3, PerIP: 100, Window: time.Hour}
	for i := 0; i < 3; i++ {
		if _, err := s.Authenticate(ctx, "admin@example.com", "wrong password!", "10.0.0.1", lim); !errors.Is(err, tenancy.ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, err := s.Authenticate(ctx, "admin@example.com", "correct horse battery", "10.0.0.1", lim); !errors.Is(err, tenancy.ErrThrottled) {
		t.Fatalf("4th attempt: %v", err)
	}
	got, err := s.Authenticate(ctx, "ADMIN@example.com", "correct horse battery", "10.0.0.2", lim)
	if err != nil || got.ID != u.ID {
		t.Fatalf("login: %v", err)
	}
	p := tenancy.SessionPolicy{Idle: time.Hour, Absolute: 24 * time.Hour}
	secret, _, err := s.CreateSession(ctx, got, "10.0.0.1", "test", p)
	if err != nil {
		t.Fatal(err)
	}
	if _, su, err := s.LookupSession(ctx, secret, p); err != nil || su.ID != u.ID {
		t.Fatalf("lookup: %v", err)
	}
	if _, _, err := s.LookupSession(ctx, secret, tenancy.SessionPolicy{Idle: 0, Absolute: time.Hour}); !errors.Is(err, tenancy.ErrSessionExpired) {
		t.Fatalf("idle session still valid: %v", err)
	}
	if _, _, err := s.LookupSession(ctx, secret, p); !errors.Is(err, tenancy.ErrSessionExpired) {
		t.Fatalf("expired session was not deleted: %v", err)
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a, _ := s.CreateTenant(ctx, "Agency A", "agency-a")
	ts := s.Tenant(a.ID)
	u, _ := ts.CreateUser(ctx, tenancy.NewUser{Email: "api@example.com", Password: "correct horse battery", Role: tenancy.RoleAnalyst})
	tok, secret, err := ts.CreateToken(ctx, u.ID, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if _, tu, err := s.LookupToken(ctx, secret); err != nil || tu.ID != u.ID {
		t.Fatalf("lookup: %v", err)
	}
	var stored int64
	s.DB().R.Raw("SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?", secret).Scan(&stored)
	if stored != 0 {
		t.Fatal("token stored in clear")
	}
	if err := ts.RevokeToken(ctx, u.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.LookupToken(ctx, secret); !errors.Is(err, tenancy.ErrSessionExpired) {
		t.Fatalf("revoked token works: %v", err)
	}
}
