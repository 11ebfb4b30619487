package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"testing"

	"relance/tenancy"
)

// jsonKeys lists the top-level keys of a JSON object.
func jsonKeys(t *testing.T, body string) []string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not a JSON object: %s", trim(body))
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestCreateUserDoesNotDiscloseOtherAgencies: agency B's admin creating a user whose e-mail belongs to agency
// A's analyst gets the answer a new e-mail gets, and a user of B's own; A's user is neither attached nor
// changed, and each password logs into its own agency. Before, the answer was 422 "already used".
func TestCreateUserDoesNotDiscloseOtherAgencies(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bAdmin := caller{token: f.tokens["b_admin"]}
	fresh, freshBody := f.do(bAdmin, "POST", "/api/v1/users", `{"email":"nobody-yet@example.com","role":"analyst"}`)
	taken, takenBody := f.do(bAdmin, "POST", "/api/v1/users", `{"email":"analyst@alpha.example","role":"analyst","password":"beta's own password"}`)
	if fresh != http.StatusCreated || taken != fresh {
		t.Fatalf("new e-mail: %d, e-mail of another agency: %d %s; want the same 201", fresh, taken, trim(takenBody))
	}
	if a, b := jsonKeys(t, freshBody), jsonKeys(t, takenBody); len(a) != len(b)+1 { // + one_time_password
		t.Errorf("answers differ in shape: %v vs %v", a, b)
	}
	var created struct{ ID string }
	_ = json.Unmarshal([]byte(takenBody), &created)
	if created.ID == f.users[analyst].ID {
		t.Fatal("agency A's user was attached to agency B")
	}
	if _, err := f.store.Tenant(f.a.ID).User(ctx, created.ID); err == nil {
		t.Error("the new user is in agency A")
	}
	if got := f.store.Authz().Bindings(f.a.ID, f.users[analyst].ID); len(got) != 1 || got[0].Role != analyst {
		t.Errorf("A's analyst's roles changed: %v", got)
	}
	if status, _ := f.do(bAdmin, "POST", "/api/v1/users", `{"email":"analyst@alpha.example","role":"analyst"}`); status != http.StatusUnprocessableEntity {
		t.Errorf("the same e-mail twice in one agency: %d, want 422", status)
	}
	lim := tenancy.LoginLimits{PerEmail: 10, PerIP: 100, Window: 60e9}
	if u, err := f.store.Authenticate(ctx, "analyst@alpha.example", testPassword, "10.1.1.1", lim); err != nil || u.TenantID != f.a.ID {
		t.Errorf("A's password: %+v %v, want A's analyst", u, err)
	}
	if u, err := f.store.Authenticate(ctx, "analyst@alpha.example", "beta's own password", "10.1.1.1", lim); err != nil || u.TenantID != f.b.ID {
		t.Errorf("B's password: %+v %v, want B's user", u, err)
	}
}
