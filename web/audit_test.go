package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"relance/tenancy"
)

// auditActions lists the actions of agency A's audit log, oldest first.
func (f *fixture) auditActions(filter tenancy.AuditFilter) []tenancy.AuditEntry {
	f.t.Helper()
	rows, _, err := f.store.Tenant(f.a.ID).Audit(context.Background(), filter, tenancy.Cursor{Limit: 200})
	if err != nil {
		f.t.Fatal(err)
	}
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	return rows
}

// TestAuditFilterOffersEveryFamily: the audit screen's filter offers every family of the registry, audience.
// and meta_app. included (before, a hand-kept list missed them), and the API refuses a filter on an action
// that does not exist instead of listing nothing.
func TestAuditFilterOffersEveryFamily(t *testing.T) {
	f := newFixture(t)
	me := f.users[admin]
	status, body := f.do(caller{user: &me}, "GET", "/audit", "")
	if status != http.StatusOK {
		t.Fatalf("audit page: %d", status)
	}
	for _, fam := range append(tenancy.AuditFamilies(), "audience.", "meta_app.", "login.") {
		if !strings.Contains(body, `value="`+fam+`"`) {
			t.Errorf("the audit filter does not offer %s", fam)
		}
	}
	if status, body := f.do(caller{token: f.tokens[admin]}, "GET", "/api/v1/audit?action=audiences.", ""); status != http.StatusUnprocessableEntity || !strings.Contains(body, "audience.") {
		t.Errorf("a filter on an unknown family: %d %s", status, trim(body))
	}
	if status, _ := f.do(caller{token: f.tokens[admin]}, "GET", "/api/v1/audit?action=audience.build", ""); status != http.StatusOK {
		t.Errorf("a filter on a registered action: %d", status)
	}
	if err := tenancy.RecordAudit(context.Background(), f.store.DB().W, f.a.ID, tenancy.AuditEntry{Action: "audience.rename"}); err == nil {
		t.Error("an action outside the registry was written")
	}
}

// TestImportsBackfillsBuildsAndLoginsAreAudited: a history import, a backfill start, an audience build, a Meta
// app registration and logins each leave an entry; a failed login is recorded in the agency of a known
// e-mail and leaves no trace (and the same answer) for an unknown one.
func TestImportsBackfillsBuildsAndLoginsAreAudited(t *testing.T) {
	f := newFixture(t)
	f.withGraph(1)
	api := caller{token: f.tokens[admin]}
	line := `{"page_id":"` + f.page.PageID + `","psid":"7199000000000077","mid":"m_audit_1","direction":"in","text":"Bonjour","sent_at":"2026-03-01T10:00:00Z"}`
	if status, body := f.do(api, "POST", "/api/v1/brands/"+f.a1.ID+"/conversations/import?format=jsonl", line); status != http.StatusOK {
		t.Fatalf("import: %d %s", status, trim(body))
	}
	if status, body := f.do(api, "POST", "/api/v1/brands/"+f.a1.ID+"/pages/"+f.page.ID+"/backfill", ""); status != http.StatusAccepted {
		t.Fatalf("backfill: %d %s", status, trim(body))
	}
	if status, body := f.do(api, "POST", "/api/v1/brands/"+f.a1.ID+"/audiences/"+f.audience.ID+"/build", ""); status != http.StatusOK {
		t.Fatalf("build: %d %s", status, trim(body))
	}
	if status, body := f.do(api, "POST", "/api/v1/meta-apps", `{"app_id":"555000000000777","name":"Agency app","app_secret":"0123456789abcdef0123","verify_token":"verify-me-please"}`); status != http.StatusCreated {
		t.Fatalf("meta app: %d %s", status, trim(body))
	}
	known := f.loginFrom(t, "", "analyst@alpha.example", "wrong password")
	unknown := f.loginFrom(t, "", "nobody@alpha.example", "wrong password")
	if known != http.StatusUnauthorized || unknown != known {
		t.Errorf("failed logins: known e-mail %d, unknown %d; want the same 401", known, unknown)
	}
	if got := f.loginFrom(t, "", "analyst@alpha.example", testPassword); got != http.StatusSeeOther {
		t.Fatalf("login: %d", got)
	}
	want := map[string]string{
		tenancy.ActionConversationsImport: "1 imported",
		tenancy.ActionBackfillStart:       f.page.PageID,
		tenancy.ActionAudienceBuild:       f.audience.Name,
		tenancy.ActionMetaAppRegister:     "555000000000777",
		tenancy.ActionLoginFailure:        "analyst@alpha.example: wrong password",
		tenancy.ActionLoginSuccess:        "analyst@alpha.example",
	}
	for _, e := range f.auditActions(tenancy.AuditFilter{}) {
		if s, ok := want[e.Action]; ok && strings.Contains(e.Summary, s) {
			delete(want, e.Action)
			if e.Action == tenancy.ActionLoginSuccess && e.ActorID != f.users[analyst].ID {
				t.Errorf("a login is done by its user, not %q", e.Actor)
			}
		}
		if strings.Contains(e.Summary, "nobody@") {
			t.Errorf("a login with an unknown e-mail was recorded in agency A: %+v", e)
		}
	}
	for action, s := range want {
		t.Errorf("no %s entry containing %q", action, s)
	}
}
