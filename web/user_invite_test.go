package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"relance/tenancy"
)

// TestInviteByLink: an invited user has no password anyone knows and a one-time link valid 72 h through
// which they choose one; the creation is audited as an invitation; a password with invite is a 422.
func TestInviteByLink(t *testing.T) {
	f := newFixture(t)
	if status, body := f.do(caller{token: f.tokens[admin]}, "POST", "/api/v1/users",
		`{"email":"both@alpha.example","role":"analyst","invite":true,"password":"a long enough password"}`); status != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `"password"`) {
		t.Fatalf("invite with a password: %d %s", status, trim(body))
	}
	status, body := f.do(caller{token: f.tokens[admin]}, "POST", "/api/v1/users", `{"email":"new@alpha.example","role":"analyst","invite":true}`)
	var out struct {
		ID              string    `json:"id"`
		OneTimePassword string    `json:"one_time_password"`
		InviteURL       string    `json:"invite_url"`
		InviteExpiresAt time.Time `json:"invite_expires_at"`
	}
	if status != http.StatusCreated || json.Unmarshal([]byte(body), &out) != nil || out.OneTimePassword != "" ||
		!strings.Contains(out.InviteURL, "/password-reset/") {
		t.Fatalf("invite: %d %s", status, trim(body))
	}
	if d := time.Until(out.InviteExpiresAt); d < 71*time.Hour || d > 73*time.Hour {
		t.Errorf("the invitation expires in %v, want 72 h", d)
	}
	var action string
	f.store.DB().R.Raw("SELECT action FROM audit_log WHERE object_id = ? ORDER BY created_at LIMIT 1", out.ID).Scan(&action)
	if action != tenancy.ActionUserInvite {
		t.Errorf("audited as %q, want %s", action, tenancy.ActionUserInvite)
	}
	path := out.InviteURL[strings.Index(out.InviteURL, "/password-reset/"):]
	if status, body := f.do(caller{}, "GET", path, ""); status != http.StatusOK || !strings.Contains(body, "You are invited") {
		t.Fatalf("invitation page: %d %s", status, trim(body))
	}
	if status, _ := f.doForm(path, "new_password=my+own+new+password&confirm_password=my+own+new+password"); status != http.StatusSeeOther {
		t.Fatalf("choosing the password: %d", status)
	}
	if status, _ := f.doForm(path, "new_password=my+own+new+password&confirm_password=my+own+new+password"); status != http.StatusNotFound {
		t.Errorf("the invitation used twice: %d, want 404", status)
	}
	if got := f.loginFrom(t, "", "new@alpha.example", "my own new password"); got != http.StatusSeeOther {
		t.Errorf("login with the chosen password: %d", got)
	}
	// A brand admin invites to their brand.
	status, body = f.do(caller{token: f.tokens[bAdmin]}, "POST", "/api/v1/brands/"+f.a1.ID+"/users", `{"email":"guest@alpha.example","role":"brand_viewer","invite":true}`)
	if status != http.StatusCreated || !strings.Contains(body, `"invite_url"`) {
		t.Fatalf("brand invite: %d %s", status, trim(body))
	}
}

// TestAdminRevokesUserTokens: the user detail lists live tokens with their last use; an admin (or the brand
// admin of a brand user) revokes one, it stops at once, and the revocation is audited; a brand admin cannot
// reach an agency user's tokens.
func TestAdminRevokesUserTokens(t *testing.T) {
	f := newFixture(t)
	viewer := f.users[bViewer]
	tok := f.ids[bViewer]
	if status, _ := f.do(caller{token: f.tokens[bViewer]}, "GET", "/api/v1/me", ""); status != http.StatusOK {
		t.Fatalf("the viewer's token: %d", status)
	}
	status, body := f.do(caller{token: f.tokens[admin]}, "GET", "/api/v1/users/"+viewer.ID, "")
	var detail struct {
		Disabled    bool       `json:"disabled"`
		LastLoginAt *time.Time `json:"last_login_at"`
		Roles       []any      `json:"roles"`
		Tokens      []struct {
			ID         string     `json:"id"`
			Name       string     `json:"name"`
			LastUsedAt *time.Time `json:"last_used_at"`
		} `json:"tokens"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(body), &detail) != nil || len(detail.Tokens) != 1 ||
		detail.Tokens[0].ID != tok.ID || detail.Tokens[0].LastUsedAt == nil || len(detail.Roles) != 1 || !strings.Contains(body, `"last_login_at"`) {
		t.Fatalf("user detail: %d %s", status, trim(body))
	}
	analystTok := f.ids[analyst]
	if status, _ := f.do(caller{token: f.tokens[bAdmin]}, "DELETE", "/api/v1/users/"+f.users[analyst].ID+"/tokens/"+analystTok.ID, ""); status != http.StatusNotFound {
		t.Errorf("a brand admin revoking an agency analyst's token: %d, want 404", status)
	}
	if status, _ := f.do(caller{token: f.tokens[admin]}, "DELETE", "/api/v1/users/"+viewer.ID+"/tokens/"+analystTok.ID, ""); status != http.StatusNotFound {
		t.Errorf("another user's token through this user: %d, want 404", status)
	}
	if status, body := f.do(caller{token: f.tokens[bAdmin]}, "DELETE", "/api/v1/users/"+viewer.ID+"/tokens/"+tok.ID, ""); status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", status, trim(body))
	}
	if status, _ := f.do(caller{token: f.tokens[bViewer]}, "GET", "/api/v1/me", ""); status != http.StatusUnauthorized {
		t.Errorf("the revoked token still works: %d", status)
	}
	if status, _ := f.do(caller{token: f.tokens[analyst]}, "GET", "/api/v1/me", ""); status != http.StatusOK {
		t.Errorf("the analyst's token stopped: %d", status)
	}
	var summary string
	f.store.DB().R.Raw("SELECT summary FROM audit_log WHERE action = ? AND object_id = ?", tenancy.ActionTokenRevoke, tok.ID).Scan(&summary)
	if !strings.Contains(summary, viewer.Email) {
		t.Errorf("revocation audit summary %q", summary)
	}
	// The user screen lists live tokens with a revoke button for the admin.
	toks, _ := f.store.Tenant(f.a.ID).Tokens(context.Background(), f.users[analyst].ID)
	a := f.users[admin]
	if status, body := f.do(caller{user: &a}, "GET", "/users/"+f.users[analyst].ID, ""); status != http.StatusOK ||
		!strings.Contains(body, "/tokens/"+toks[0].ID+"/revoke") {
		t.Fatalf("user screen: %d %s", status, trim(body))
	}
	if status, _ := f.do(caller{user: &a}, "POST", "/users/"+f.users[analyst].ID+"/tokens/"+toks[0].ID+"/revoke", ""); status != http.StatusSeeOther {
		t.Fatalf("revoke from the screen: %d", status)
	}
	if status, _ := f.do(caller{token: f.tokens[analyst]}, "GET", "/api/v1/me", ""); status != http.StatusUnauthorized {
		t.Errorf("the token revoked on the screen still works: %d", status)
	}
}
