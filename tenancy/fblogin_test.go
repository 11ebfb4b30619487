package tenancy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"relance/tenancy"
)

// TestFacebookLoginState: a state works once, for its user, session and agency only, and not after it
// expired; the kept token expires too, and a login is ended once.
func TestFacebookLoginState(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	a, err := s.CreateTenant(ctx, "Agency A", "agency-a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateTenant(ctx, "Agency B", "agency-b")
	if err != nil {
		t.Fatal(err)
	}
	ta := s.Tenant(a.ID)
	brand, err := ta.CreateBrand(ctx, tenancy.BrandInput{Name: ptr("Acme"), Currency: ptr("EUR"), Timezone: ptr("Europe/Paris")})
	if err != nil {
		t.Fatal(err)
	}
	u, err := ta.CreateUser(ctx, tenancy.NewUser{Email: "admin@a.example", Password: "a long enough password", Role: tenancy.RoleAgencyAdmin})
	if err != nil {
		t.Fatal(err)
	}
	_, sess, err := s.CreateSession(ctx, u, "127.0.0.1", "test", tenancy.SessionPolicy{Idle: time.Hour, Absolute: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	_, other, err := s.CreateSession(ctx, u, "127.0.0.1", "test", tenancy.SessionPolicy{Idle: time.Hour, Absolute: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tenant(b.ID).StartFacebookLogin(ctx, brand.ID, u.ID, sess.IDHash); !errors.Is(err, tenancy.ErrNotFound) {
		t.Fatalf("another agency started a login on the brand: %v", err)
	}
	state, err := ta.StartFacebookLogin(ctx, brand.ID, u.ID, sess.IDHash)
	if err != nil {
		t.Fatal(err)
	}
	gone := func(step string, err error) {
		t.Helper()
		if !errors.Is(err, tenancy.ErrFacebookLoginGone) {
			t.Fatalf("%s: %v, want ErrFacebookLoginGone", step, err)
		}
	}
	_, err = s.Tenant(b.ID).TakeFacebookState(ctx, state, u.ID, sess.IDHash)
	gone("another agency", err)
	_, err = ta.TakeFacebookState(ctx, state, u.ID, other.IDHash)
	gone("another session", err)
	_, err = ta.TakeFacebookState(ctx, state+"x", u.ID, sess.IDHash)
	gone("a tampered state", err)
	login, err := ta.TakeFacebookState(ctx, state, u.ID, sess.IDHash)
	if err != nil || login.BrandID != brand.ID {
		t.Fatalf("the owner's state: %+v %v", login, err)
	}
	_, err = ta.TakeFacebookState(ctx, state, u.ID, sess.IDHash)
	gone("the state used twice", err)
	if err := ta.KeepFacebookToken(ctx, login.ID, "EAABperson-token-0123456789"); err != nil {
		t.Fatal(err)
	}
	if _, tok, err := ta.OpenFacebookLogin(ctx, brand.ID, u.ID, sess.IDHash); err != nil || tok != "EAABperson-token-0123456789" {
		t.Fatalf("open: %q %v", tok, err)
	}
	_, _, err = ta.OpenFacebookLogin(ctx, brand.ID, u.ID, other.IDHash)
	gone("the picker from another session", err)
	now = now.Add(tenancy.FacebookTokenLifetime + time.Second)
	_, _, err = ta.OpenFacebookLogin(ctx, brand.ID, u.ID, sess.IDHash)
	gone("the picker after the token's lifetime", err)
	if first, err := ta.EndFacebookLogin(ctx, login.ID); err != nil || !first {
		t.Fatalf("end: %v %v", first, err)
	}
	if again, err := ta.EndFacebookLogin(ctx, login.ID); err != nil || again {
		t.Fatalf("ended twice: %v %v", again, err)
	}
	late, err := ta.StartFacebookLogin(ctx, brand.ID, u.ID, sess.IDHash)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(tenancy.FacebookStateLifetime + time.Second)
	_, err = ta.TakeFacebookState(ctx, late, u.ID, sess.IDHash)
	gone("an expired state", err)
}
