package web_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"relance/tenancy"
)

const (
	admin   = tenancy.RoleAgencyAdmin
	manager = tenancy.RoleCampaignManager
	analyst = tenancy.RoleAnalyst
	finance = tenancy.RoleFinance
	bAdmin  = tenancy.RoleBrandAdmin
	bViewer = tenancy.RoleBrandViewer
)

var (
	everyone    = []string{admin, manager, analyst, finance, bAdmin, bViewer}
	onlyAdmin   = []string{admin}
	pageReader  = []string{admin, manager, analyst, bAdmin} // Pages are not for finance or brand viewers
	brandStaff  = []string{admin, bAdmin}                   // manage the brand's people
	convReader  = []string{admin, manager, analyst, finance, bAdmin}
	public      = []string{"public"}
	audReader   = []string{admin, manager, analyst, bAdmin} // DESIGN §5: analysts and brand admins read audiences
	audWriter   = []string{admin, manager}                  // campaign managers write them
	campReader  = everyone                                  // finance reads campaigns (without texts)
	campWriter  = []string{admin, manager}                  // write and submit
	campLaunch  = []string{admin, manager}                  // launch, pause, resume
	campApprov  = []string{admin, bAdmin}                   // DESIGN §5: campaign_manager cannot approve
	moneyStaff  = []string{admin, finance}                  // exchange rates: spend:read and spend:write
	onlyFinance = []string{finance}                         // issue 11: only finance closes a month
	convWriter  = []string{admin, manager, finance}         // report conversions
)

// expected is DESIGN §5's role table applied to every route, written out by hand: which roles may call it
// (brand roles act on brand A1, the brand every path points at). A route missing here fails the test, so a
// new route cannot be added without deciding who may call it.
var expected = map[string][]string{
	"GET /livez": public, "GET /readyz": public, "GET /metrics": public, "GET /static/*": public,
	"GET /login": public, "POST /login": public, "GET /api/v1/openapi.json": public,
	"GET /password-reset/:token": public, "POST /password-reset/:token": public,
	"GET /webhooks/messenger": public, "POST /webhooks/messenger": public,
	"GET /webhooks/messenger/:app_id": public, "POST /webhooks/messenger/:app_id": public,

	"POST /logout": everyone, "GET /": everyone, "GET /account/password": everyone, "POST /account/password": everyone,
	"GET /tokens": everyone, "POST /tokens": everyone, "POST /tokens/:token/revoke": everyone,
	"POST /account/locale": everyone,

	"GET /brands": everyone, "GET /brands/new": onlyAdmin, "POST /brands": onlyAdmin, "GET /brands/:brand": everyone,
	"GET /brands/:brand/edit": onlyAdmin, "POST /brands/:brand/edit": onlyAdmin, "POST /brands/:brand/delete": onlyAdmin,
	"GET /brands/:brand/pages/new": onlyAdmin, "POST /brands/:brand/pages": onlyAdmin,
	"POST /brands/:brand/pages/:page/delete": onlyAdmin, "POST /brands/:brand/pages/:page/backfill": onlyAdmin,
	"GET /brands/:brand/pages/:page/backfill": convReader, "GET /brands/:brand/ad-accounts/new": onlyAdmin,
	"POST /brands/:brand/ad-accounts": onlyAdmin, "POST /brands/:brand/ad-accounts/:account/delete": onlyAdmin,
	"GET /brands/:brand/conversations": convReader, "GET /brands/:brand/conversations/:contact": convReader,
	"POST /brands/:brand/conversations/import": onlyAdmin,
	"GET /brands/:brand/users":                 brandStaff, "POST /brands/:brand/users": brandStaff,
	"POST /brands/:brand/users/:user/revoke": brandStaff,
	"GET /brands/:brand/audiences":           audReader, "GET /brands/:brand/audiences/new": audWriter,
	"POST /brands/:brand/audiences": audWriter, "GET /brands/:brand/audiences/:audience": audReader,
	"GET /brands/:brand/audiences/:audience/edit": audWriter, "POST /brands/:brand/audiences/:audience/edit": audWriter,
	"POST /brands/:brand/audiences/:audience/build": audWriter, "POST /brands/:brand/audiences/:audience/delete": audWriter,
	"POST /brands/:brand/audiences/:audience/import": audWriter,

	"GET /users": onlyAdmin, "GET /users/new": onlyAdmin, "POST /users": onlyAdmin, "GET /users/:user": onlyAdmin,
	"POST /users/:user/roles": onlyAdmin, "POST /users/:user/roles/revoke": onlyAdmin, "GET /audit": onlyAdmin,
	// Brand admins reach these for their brands' users only (the fixture's spare analyst answers them 404).
	"POST /users/:user/disable": brandStaff, "POST /users/:user/enable": brandStaff, "POST /users/:user/password-reset": brandStaff,

	"GET /api/v1/me": everyone, "GET /api/v1/brands": everyone, "POST /api/v1/brands": onlyAdmin,
	"GET /api/v1/brands/:brand": everyone, "PATCH /api/v1/brands/:brand": onlyAdmin, "DELETE /api/v1/brands/:brand": onlyAdmin,
	"GET /api/v1/brands/:brand/pages": pageReader, "POST /api/v1/brands/:brand/pages": onlyAdmin,
	"DELETE /api/v1/brands/:brand/pages/:page": onlyAdmin, "POST /api/v1/brands/:brand/pages/:page/backfill": onlyAdmin,
	"GET /api/v1/brands/:brand/pages/:page/backfill": convReader,
	"GET /api/v1/brands/:brand/ad-accounts":          pageReader, "POST /api/v1/brands/:brand/ad-accounts": onlyAdmin,
	"DELETE /api/v1/brands/:brand/ad-accounts/:account": onlyAdmin,
	"GET /api/v1/brands/:brand/users":                   brandStaff, "POST /api/v1/brands/:brand/users": brandStaff,
	"GET /api/v1/brands/:brand/contacts": convReader, "GET /api/v1/brands/:brand/contacts/:contact": convReader,
	"POST /api/v1/brands/:brand/conversations/import": onlyAdmin,
	"GET /api/v1/brands/:brand/audiences":             audReader, "POST /api/v1/brands/:brand/audiences": audWriter,
	"POST /api/v1/brands/:brand/audiences/preview": audReader, "GET /api/v1/brands/:brand/audiences/:audience": audReader,
	"PATCH /api/v1/brands/:brand/audiences/:audience": audWriter, "DELETE /api/v1/brands/:brand/audiences/:audience": audWriter,
	"POST /api/v1/brands/:brand/audiences/:audience/build":    audWriter,
	"GET /api/v1/brands/:brand/audiences/:audience/snapshots": audReader,
	"GET /api/v1/brands/:brand/audiences/:audience/members":   audReader,
	"GET /api/v1/brands/:brand/audiences/:audience/export":    audReader,
	"POST /api/v1/brands/:brand/audiences/:audience/import":   audWriter,
	"GET /api/v1/brands/:brand/audiences/:audience/sync":      audReader, "POST /api/v1/brands/:brand/audiences/:audience/sync": audWriter,
	"POST /brands/:brand/audiences/:audience/sync": audWriter,
	"GET /api/v1/users":                            onlyAdmin, "POST /api/v1/users": onlyAdmin, "GET /api/v1/users/:user": brandStaff,
	"POST /api/v1/users/:user/disable": brandStaff, "POST /api/v1/users/:user/enable": brandStaff,
	"POST /api/v1/users/:user/password-reset": brandStaff,
	"POST /api/v1/users/:user/roles":          onlyAdmin, "DELETE /api/v1/users/:user/roles": onlyAdmin,
	"GET /api/v1/tokens": everyone, "POST /api/v1/tokens": everyone, "DELETE /api/v1/tokens/:token": everyone,
	"GET /api/v1/audit":     onlyAdmin,
	"GET /api/v1/campaigns": campReader,
	"GET /campaigns":        campReader, "GET /approvals": campApprov, "GET /brands/:brand/campaigns": campReader,
	"GET /brands/:brand/campaigns/new": campWriter, "POST /brands/:brand/campaigns": campWriter,
	"GET /brands/:brand/campaigns/:campaign": campReader, "GET /brands/:brand/campaigns/:campaign/edit": campWriter,
	"POST /brands/:brand/campaigns/:campaign/edit": campWriter, "POST /brands/:brand/campaigns/:campaign/delete": campWriter,
	"POST /brands/:brand/campaigns/:campaign/submit":  campWriter,
	"POST /brands/:brand/campaigns/:campaign/approve": campApprov,
	"POST /brands/:brand/campaigns/:campaign/reject":  campApprov,
	"POST /brands/:brand/campaigns/:campaign/launch":  campLaunch,
	"POST /brands/:brand/campaigns/:campaign/pause":   campLaunch,
	"POST /brands/:brand/campaigns/:campaign/resume":  campLaunch,
	"POST /brands/:brand/campaigns/:campaign/archive": campWriter, "GET /api/v1/brands/:brand/campaigns": campReader,
	"POST /api/v1/brands/:brand/campaigns": campWriter, "GET /api/v1/brands/:brand/campaigns/:campaign": campReader,
	"PATCH /api/v1/brands/:brand/campaigns/:campaign": campWriter, "DELETE /api/v1/brands/:brand/campaigns/:campaign": campWriter,
	"GET /api/v1/brands/:brand/campaigns/:campaign/timeline": campReader,
	"GET /api/v1/brands/:brand/campaigns/:campaign/runs":     campReader, "POST /api/v1/brands/:brand/campaigns/:campaign/runs": campLaunch,
	"GET /api/v1/brands/:brand/campaigns/:campaign/runs/:run/sends": campReader,
	"POST /brands/:brand/campaigns/:campaign/runs":                  campLaunch,
	"POST /api/v1/brands/:brand/campaigns/:campaign/preview":        audReader, "POST /brands/:brand/campaigns/:campaign/preview": audReader,
	"POST /api/v1/brands/:brand/campaigns/:campaign/submit":  campWriter,
	"POST /api/v1/brands/:brand/campaigns/:campaign/approve": campApprov,
	"POST /api/v1/brands/:brand/campaigns/:campaign/reject":  campApprov,
	"POST /api/v1/brands/:brand/campaigns/:campaign/launch":  campLaunch,
	"POST /api/v1/brands/:brand/campaigns/:campaign/pause":   campLaunch,
	"POST /api/v1/brands/:brand/campaigns/:campaign/resume":  campLaunch,
	"POST /api/v1/brands/:brand/campaigns/:campaign/archive": campWriter,
	// Entry points: read as the campaign is read, written as it is written.
	"GET /api/v1/brands/:brand/campaigns/:campaign/links": campReader, "POST /api/v1/brands/:brand/campaigns/:campaign/links": campWriter,
	"DELETE /api/v1/brands/:brand/campaigns/:campaign/links/:label":     campWriter,
	"GET /api/v1/brands/:brand/campaigns/:campaign/links/:label/qr.png": campReader,
	"GET /api/v1/brands/:brand/campaigns/:campaign/links/:label/qr.svg": campReader,
	"POST /brands/:brand/campaigns/:campaign/links":                     campWriter,
	"POST /brands/:brand/campaigns/:campaign/links/:label/delete":       campWriter,
	"GET /brands/:brand/campaigns/:campaign/links/:label/qr.png":        campReader,
	"GET /brands/:brand/campaigns/:campaign/links/:label/qr.svg":        campReader,
	"GET /settings/meta-apps":                                           onlyAdmin, "POST /settings/meta-apps": onlyAdmin, "POST /settings/meta-apps/:app/delete": onlyAdmin,
	"GET /api/v1/meta-apps": onlyAdmin, "POST /api/v1/meta-apps": onlyAdmin, "DELETE /api/v1/meta-apps/:app": onlyAdmin,
	"GET /campaigns/calendar": campReader, "GET /api/v1/campaigns/calendar": campReader,
	// Facebook Login connects Pages as pasting a token does; the callback checks the state's brand itself.
	"GET /brands/:brand/pages/facebook-login": onlyAdmin, "GET /brands/:brand/pages/facebook-login/pick": onlyAdmin,
	"POST /brands/:brand/pages/facebook-login/connect": onlyAdmin,
	"GET /oauth/facebook/callback":                     everyone, "GET /sandbox/dialog/oauth": public, "POST /sandbox/dialog/oauth": public,
	"POST /users/:user/tokens/:token/revoke": brandStaff, "DELETE /api/v1/users/:user/tokens/:token": brandStaff,
	"GET /fx": moneyStaff, "POST /fx/rates": moneyStaff, "POST /settings/agency": onlyAdmin,
	"GET /api/v1/fx/rates": moneyStaff, "POST /api/v1/fx/rates": moneyStaff,
	"GET /api/v1/settings": moneyStaff, "PATCH /api/v1/settings": onlyAdmin,
	"GET /finance": moneyStaff, "POST /finance/spend/sync": moneyStaff,
	"POST /finance/months/:month/close": onlyFinance, "POST /finance/months/:month/reopen": onlyAdmin,
	"GET /api/v1/finance/months/:month": moneyStaff, "POST /api/v1/finance/spend/sync": moneyStaff,
	"POST /api/v1/finance/months/:month/close": onlyFinance, "POST /api/v1/finance/months/:month/reopen": onlyAdmin,
	"GET /api/v1/jobs/:job":                 moneyStaff,
	"GET /api/v1/brands/:brand/conversions": convReader, "GET /api/v1/brands/:brand/conversions/:conversion": convReader,
	"POST /api/v1/brands/:brand/conversions": convWriter, "POST /api/v1/brands/:brand/conversions/import": convWriter,
	// Test sends: whoever writes the campaign tests it, to the brand's test contacts.
	"POST /api/v1/brands/:brand/campaigns/:campaign/test": campWriter, "POST /brands/:brand/campaigns/:campaign/test": campWriter,
	"GET /api/v1/finance/spend/export.csv": moneyStaff, "GET /api/v1/finance/spend/export.xlsx": moneyStaff,
	"POST /api/v1/exports": moneyStaff, "GET /api/v1/exports": moneyStaff, "GET /api/v1/exports/:export": moneyStaff,
	"DELETE /api/v1/exports/:export": moneyStaff, "POST /finance/exports": moneyStaff, "POST /finance/exports/:export/delete": moneyStaff, "GET /api/v1/exports/:export/files/:file": moneyStaff,
	// Reports: every role reads them; brand roles only their brands' figures (TestReportScoping).
	"GET /reports": everyone, "GET /api/v1/reports": everyone,
	"GET /api/v1/reports/export.csv": everyone, "GET /api/v1/reports/export.xlsx": everyone,

	// A/B results: figures only, read as the campaign is read; applying the winner writes the campaign.
	"GET /api/v1/brands/:brand/campaigns/:campaign/results": campReader, "GET /brands/:brand/campaigns/:campaign/results": campReader,
	"POST /api/v1/brands/:brand/campaigns/:campaign/results/apply-winner": campWriter, "POST /brands/:brand/campaigns/:campaign/results/apply-winner": campWriter,
}

// routerRoutes lists what the Fiber router really serves (not the table it was built from), HEAD excluded.
func routerRoutes(f *fixture) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range f.srv.App().GetRoutes(true) {
		k := r.Method + " " + r.Path
		if r.Method == http.MethodHead || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestRoleMatrix calls every route as every role and checks allowed or denied against the table above.
func TestRoleMatrix(t *testing.T) {
	f := newFixture(t)
	routes := routerRoutes(f)
	for _, key := range routes {
		want, ok := expected[key]
		if !ok {
			t.Errorf("route %s has no row in the role matrix: decide who may call it", key)
			continue
		}
		method, path, _ := strings.Cut(key, " ")
		for _, role := range everyone {
			u := f.users[role]
			status, body := f.do(caller{user: &u, token: f.tokens[role]}, method, f.fill(path, false), harmless(method, path))
			if status >= 500 {
				t.Errorf("%s as %s: %d %s", key, role, status, trim(body))
				continue
			}
			if contains(want, "public") {
				continue
			}
			denied := status == http.StatusForbidden || status == http.StatusUnauthorized
			if allowed := contains(want, role); allowed == denied {
				t.Errorf("%s as %s: status %d, want allowed=%v (%s)", key, role, status, allowed, trim(body))
			}
		}
		if !contains(want, "public") {
			if status, _ := f.do(caller{}, method, f.fill(path, false), harmless(method, path)); status != http.StatusUnauthorized && !(status == http.StatusFound && !strings.HasPrefix(path, "/api/")) {
				t.Errorf("%s without credentials: status %d, want 401 (API) or a redirect to login (UI)", key, status)
			}
		}
	}
	for key := range expected {
		if !contains(routes, key) {
			t.Errorf("matrix row %s matches no route", key)
		}
	}
}

// TestRoleTableIsDesign checks the permission table against DESIGN §5 for the rules that matter most.
func TestRoleTableIsDesign(t *testing.T) {
	for _, c := range []struct {
		role, perm string
		want       bool
	}{
		{finance, tenancy.PermMessagesRead, false},
		{finance, tenancy.PermSpendRead, true},
		{finance, tenancy.PermExports, true},
		{bViewer, tenancy.PermMessagesRead, false},
		{bViewer, tenancy.PermReportsRead, true},
		{bAdmin, tenancy.PermCampaignsApprove, true},
		{bAdmin, tenancy.PermBrandUsersManage, true},
		{manager, tenancy.PermCampaignsLaunch, true},
		{manager, tenancy.PermUsersManage, false},
		{analyst, tenancy.PermCampaignsWrite, false},
		{manager, tenancy.PermCampaignsApprove, false},
		{finance, tenancy.PermCampaignsRead, true},
		{analyst, tenancy.PermConversationsRead, true},
		// Only finance closes a month, only an agency_admin reopens it (issue 11).
		{finance, tenancy.PermMonthClose, true},
		{admin, tenancy.PermMonthClose, false},
		{admin, tenancy.PermMonthReopen, true},
		{finance, tenancy.PermMonthReopen, false},
	} {
		if got := tenancy.RoleGrants(c.role, c.perm); got != c.want {
			t.Errorf("%s %s = %v, want %v", c.role, c.perm, got, c.want)
		}
	}
	for _, p := range tenancy.AllPermissions {
		if !tenancy.RoleGrants(admin, p) && p != tenancy.PermMonthClose {
			t.Errorf("agency_admin lacks %s", p)
		}
	}
}

func trim(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
