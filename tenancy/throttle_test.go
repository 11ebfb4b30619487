package tenancy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"relance/tenancy"
)

// loginUser makes an agency with one agency_admin, admin@example.com.
func loginUser(t *testing.T, s *tenancy.Store) tenancy.User {
	t.Helper()
	ctx := context.Background()
	a, err := s.CreateTenant(ctx, "Agency A", "agency-a")
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.Tenant(a.ID).CreateUser(ctx, tenancy.NewUser{Email: "admin@example.com", Password: "correct horse battery", Role: tenancy.RoleAgencyAdmin})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestLoginLockoutIsPerAddress: ten wrong passwords from one address lock the account at that address only;
// its owner logs in from another. Before, the lock was per e-mail, from everywhere.
func TestLoginLockoutIsPerAddress(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	u := loginUser(t, s)
	lim := tenancy.LoginLimits{PerEmail: 10, PerIP: 100, Window: 15 * time.Minute}
	for i := 0; i < 10; i++ {
		if _, err := s.Authenticate(ctx, "admin@example.com", "guess number one", "198.51.100.66", lim); !errors.Is(err, tenancy.ErrBadCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if _, err := s.Authenticate(ctx, "admin@example.com", "correct horse battery", "198.51.100.66", lim); !errors.Is(err, tenancy.ErrThrottled) {
		t.Errorf("the guesser's address after 10 failures: %v, want throttled", err)
	}
	if got, err := s.Authenticate(ctx, "admin@example.com", "correct horse battery", "203.0.113.5", lim); err != nil || got.ID != u.ID {
		t.Errorf("the owner from another address: %v", err)
	}
}

// TestLoginSuccessesDoNotCount: an office behind one address logs in more times than the per-address limit
// allows failures. Before, every login counted and the office was locked out after PerIP logins.
func TestLoginSuccessesDoNotCount(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	loginUser(t, s)
	lim := tenancy.LoginLimits{PerEmail: 2, PerIP: 8, Window: time.Hour}
	for i := 0; i < 6; i++ {
		if _, err := s.Authenticate(ctx, "admin@example.com", "correct horse battery", "10.0.0.1", lim); err != nil {
			t.Fatalf("login %d: %v", i, err)
		}
		// A failure between logins: the success before it cleared the account's count at this address.
		if _, err := s.Authenticate(ctx, "admin@example.com", "a typo in there", "10.0.0.1", lim); !errors.Is(err, tenancy.ErrBadCredentials) {
			t.Fatalf("typo %d: %v", i, err)
		}
	}
}

// TestLoginBackoffDoubles: each lockout in a row lasts twice the one before; a success starts over.
func TestLoginBackoffDoubles(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	loginUser(t, s)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	lim := tenancy.LoginLimits{PerEmail: 3, PerIP: 1000, Window: 10 * time.Minute}
	fail := func() error {
		_, err := s.Authenticate(ctx, "admin@example.com", "not the password", "10.0.0.9", lim)
		return err
	}
	for lockout, length := range []time.Duration{10 * time.Minute, 20 * time.Minute, 40 * time.Minute} {
		for i := 0; i < 3; i++ {
			if err := fail(); !errors.Is(err, tenancy.ErrBadCredentials) {
				t.Fatalf("lockout %d, failure %d: %v", lockout, i, err)
			}
		}
		if err := fail(); !errors.Is(err, tenancy.ErrThrottled) {
			t.Fatalf("lockout %d: 4th failure %v, want throttled", lockout, err)
		}
		now = now.Add(length - time.Second)
		if err := fail(); !errors.Is(err, tenancy.ErrThrottled) {
			t.Fatalf("lockout %d: a second before its end: %v, want throttled", lockout, err)
		}
		now = now.Add(time.Second)
	}
	if _, err := s.Authenticate(ctx, "admin@example.com", "correct horse battery", "10.0.0.9", lim); err != nil {
		t.Fatalf("login after the last lockout: %v", err)
	}
	for i := 0; i < 3; i++ {
		_ = fail()
	}
	_ = fail()
	now = now.Add(10 * time.Minute)
	if err := fail(); !errors.Is(err, tenancy.ErrBadCredentials) {
		t.Errorf("after a success the next lockout is one window again: %v", err)
	}
}

// TestPurgeRateLimits: counters quiet for a day go; a lockout still running stays.
func TestPurgeRateLimits(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	for i := 0; i < 3; i++ {
		if _, err := s.Attempt(ctx, "quiet", 10, time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Attempt(ctx, "locked", 1, 20*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(25 * time.Hour)
	if _, err := s.Attempt(ctx, "locked", 1, 20*time.Hour); err != nil {
		t.Fatal(err)
	}
	if wait, _ := s.Attempt(ctx, "locked", 1, 20*time.Hour); wait != 24*time.Hour {
		t.Fatalf("the second lockout lasts %v, want 40 h capped at 24 h", wait)
	}
	now = now.Add(23 * time.Hour)
	n, err := s.PurgeRateLimits(ctx)
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v; want the quiet counter only", n, err)
	}
	if wait, _ := s.Attempt(ctx, "locked", 1, 20*time.Hour); wait <= 0 {
		t.Error("the running lockout was purged")
	}
}
