package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"relance/tenancy"
	"relance/web"
)

// TestLastAdminKeepsTheRole: the agency's only agency_admin can neither revoke their own role (API or UI) nor
// be disabled; once someone else is agency_admin, the role can go. Before, the agency was left without one.
func TestLastAdminKeepsTheRole(t *testing.T) {
	f := newFixture(t)
	me := f.users[admin]
	api := caller{token: f.tokens[admin]}
	status, body := f.do(api, "DELETE", "/api/v1/users/"+me.ID+"/roles?role=agency_admin", "")
	if status != http.StatusConflict || !strings.Contains(body, "last agency_admin") {
		t.Fatalf("revoking the last agency_admin's role: %d %s, want 409 naming the reason", status, trim(body))
	}
	if status, body := f.do(caller{user: &me}, "POST", "/users/"+me.ID+"/roles/revoke", "role=agency_admin"); status != http.StatusConflict || !strings.Contains(body, "last agency_admin") {
		t.Errorf("the same from the users screen: %d %s", status, trim(body))
	}
	if status, body := f.do(api, "POST", "/api/v1/users/"+me.ID+"/disable", ""); status != http.StatusConflict {
		t.Errorf("disabling oneself: %d %s, want 409", status, trim(body))
	}
	if !f.store.Authz().Can(f.a.ID, me.ID, "", tenancy.PermUsersManage) {
		t.Fatal("the last admin lost the role")
	}
	// With a second admin, the first may step down; the second, now alone, may not.
	mgr := f.users[manager]
	if status, body := f.do(api, "POST", "/api/v1/users/"+mgr.ID+"/roles", `{"role":"agency_admin"}`); status != http.StatusCreated {
		t.Fatalf("grant: %d %s", status, trim(body))
	}
	if status, body := f.do(api, "DELETE", "/api/v1/users/"+me.ID+"/roles?role=agency_admin", ""); status != http.StatusNoContent {
		t.Fatalf("stepping down beside another admin: %d %s", status, trim(body))
	}
	if status, _ := f.do(caller{token: f.tokens[manager]}, "DELETE", "/api/v1/users/"+mgr.ID+"/roles?role=agency_admin", ""); status != http.StatusConflict {
		t.Errorf("the new last admin revoking their role: %d, want 409", status)
	}
}

// TestDisabledUserStopsAtOnce: a disabled user's session, API token and password stop working at the next
// request; enabled again, the token works. Both changes, and the refused login, are audited.
func TestDisabledUserStopsAtOnce(t *testing.T) {
	f := newFixture(t)
	victim := f.users[analyst]
	secret, _ := f.session(victim)
	api := caller{token: f.tokens[admin]}
	status, body := f.do(api, "POST", "/api/v1/users/"+victim.ID+"/disable", "")
	if status != http.StatusOK || !strings.Contains(body, `"disabled":true`) {
		t.Fatalf("disable: %d %s", status, trim(body))
	}
	if status, _ := f.do(caller{token: f.tokens[analyst]}, "GET", "/api/v1/me", ""); status != http.StatusUnauthorized {
		t.Errorf("the disabled user's token: %d, want 401", status)
	}
	req := httptest.NewRequest("GET", "/brands", nil)
	req.AddCookie(&http.Cookie{Name: "relance_session", Value: secret})
	if resp, _ := f.srv.App().Test(req, -1); resp.StatusCode != http.StatusFound {
		t.Errorf("the disabled user's session opened before: %d, want a redirect to login", resp.StatusCode)
	}
	if got := f.loginFrom(t, "", victim.Email, testPassword); got != http.StatusUnauthorized {
		t.Errorf("the disabled user's login: %d, want 401", got)
	}
	status, body = f.do(api, "GET", "/api/v1/users/"+victim.ID, "")
	if status != http.StatusOK || !strings.Contains(body, `"disabled":true`) || !strings.Contains(body, `"tokens":[{`) {
		t.Errorf("GET user: %d %s", status, trim(body))
	}
	if status, _ := f.do(api, "POST", "/api/v1/users/"+victim.ID+"/enable", ""); status != http.StatusOK {
		t.Fatalf("enable: %d", status)
	}
	if status, _ := f.do(caller{token: f.tokens[analyst]}, "GET", "/api/v1/me", ""); status != http.StatusOK {
		t.Errorf("the token after enabling: %d", status)
	}
	entries, _, _ := f.store.Tenant(f.a.ID).Audit(context.Background(), tenancy.AuditFilter{ObjectID: victim.ID}, tenancy.Cursor{})
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); !strings.HasPrefix(got, "user.enable,login.failure,user.disable,") {
		t.Errorf("audit of the user: %s", got)
	}
}

// TestAdminResetsAPassword: the reset answers a one-time link; the old password stops at once; the link sets
// a new one once. A brand admin resets their brand's viewer, but not an agency analyst.
func TestAdminResetsAPassword(t *testing.T) {
	f := newFixture(t)
	viewer := f.users[bViewer]
	if status, _ := f.do(caller{token: f.tokens[bAdmin]}, "POST", "/api/v1/users/"+f.users[analyst].ID+"/password-reset", ""); status != http.StatusNotFound {
		t.Errorf("a brand admin resetting an agency analyst: %d, want 404", status)
	}
	status, body := f.do(caller{token: f.tokens[bAdmin]}, "POST", "/api/v1/users/"+viewer.ID+"/password-reset", "")
	var out struct {
		ResetURL  string    `json:"reset_url"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil || !strings.Contains(out.ResetURL, "/password-reset/") {
		t.Fatalf("reset: %d %s", status, trim(body))
	}
	if d := time.Until(out.ExpiresAt); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("the link expires in %v, want 24 h", d)
	}
	if got := f.loginFrom(t, "", viewer.Email, testPassword); got != http.StatusUnauthorized {
		t.Errorf("the old password after the reset: %d, want 401", got)
	}
	path := out.ResetURL[strings.Index(out.ResetURL, "/password-reset/"):]
	var logged bytes.Buffer
	f.rebuild(func(d *web.Deps) { d.Log = slog.New(slog.NewTextHandler(&logged, nil)) })
	defer func() {
		if strings.Contains(logged.String(), strings.TrimPrefix(path, "/password-reset/")) {
			t.Error("the reset link's secret is in the request log")
		}
	}()
	if status, body := f.do(caller{}, "GET", path, ""); status != http.StatusOK || !strings.Contains(body, viewer.Email) {
		t.Fatalf("reset page: %d %s", status, trim(body))
	}
	if status, _ := f.do(caller{}, "POST", path, "new_password=short&confirm_password=short"); status != http.StatusUnprocessableEntity {
		t.Errorf("a short password: %d, want 422", status)
	}
	if status, _ := f.doForm(path, "new_password=a+brand+new+password&confirm_password=a+brand+new+password"); status != http.StatusSeeOther {
		t.Fatalf("choosing the password: %d", status)
	}
	if status, _ := f.doForm(path, "new_password=another+new+password&confirm_password=another+new+password"); status != http.StatusNotFound {
		t.Errorf("the link used twice: %d, want 404", status)
	}
	if got := f.loginFrom(t, "", viewer.Email, "a brand new password"); got != http.StatusSeeOther {
		t.Errorf("login with the new password: %d", got)
	}
}

// doForm posts a form without any session.
func (f *fixture) doForm(path, form string) (int, string) {
	f.t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, ""
}

// TestPasswordChangeWithTokenIsRefused: a password change sent with an API token is a clear 403. Before, the
// handler read the missing session and answered 500.
func TestPasswordChangeWithTokenIsRefused(t *testing.T) {
	f := newFixture(t)
	req := httptest.NewRequest("POST", "/account/password", strings.NewReader(
		"current_password=correct+horse+battery&new_password=another+password+1&confirm_password=another+password+1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+f.tokens[analyst])
	resp, err := f.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("password change with a token: %d, want 403", resp.StatusCode)
	}
}
