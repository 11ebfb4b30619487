package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"relance/audiences"
	"relance/campaigns"
	"relance/tenancy"
)

// TestIsolation calls every route the router serves, aimed at agency A's brand A1 and its real Pages, ad
// accounts, users and tokens, as three outsiders: agency B's admin through a session, the same admin through
// an API token, and the brand_admin of A's other brand A2. Routes aimed at an object must answer 403 or 404;
// no response may carry A1's data; and A's data must be unchanged afterwards.
func TestIsolation(t *testing.T) {
	f := newFixture(t)
	bAdminUser, a2Admin := f.other["b_admin"], f.other["a2_brand_admin"]
	outsiders := map[string]caller{
		"other agency (session)": {user: &bAdminUser},
		"other agency (token)":   {token: f.tokens["b_admin"]},
		"other brand (session)":  {user: &a2Admin},
		"other brand (token)":    {token: f.tokens["a2_brand_admin"]},
	}
	markers := []string{f.a1.ID, f.a1.Name, f.page.PageID, f.page.ID, f.acct.AccountID, f.acct.ID,
		f.users[bViewer].Email, f.users[bAdmin].Email, f.contact, "7199000000000001", "secret.person@example.com",
		f.audience.ID, f.audience.Name, f.campaign.ID, f.campaign.Name, "A1 secret campaign text",
		"A1 secret flyer", "a1-secret.a1-secret-flyer"}
	for _, key := range routerRoutes(f) {
		method, path, _ := strings.Cut(key, " ")
		want := expected[key]
		if contains(want, "public") {
			continue
		}
		// A month (YYYY-MM) names no object of A's: each agency has its own months, so B reaching its own
		// is right; TestMonthsAreEachAgencysOwn shows B's close and reopen leave A's months alone.
		targeted := strings.Contains(path, ":") && !strings.Contains(path, ":month")
		bodies := []string{harmless(method, path)}
		if method != http.MethodGet && method != http.MethodDelete {
			bodies = append(bodies, realisticBody(method, path, f))
		}
		for who, c := range outsiders {
			isAPI := strings.HasPrefix(path, "/api/")
			if isAPI == (c.token == "") {
				continue // sessions drive the UI, tokens the API
			}
			for _, body := range bodies {
				status, resp := f.do(c, method, f.fill(path, true), body)
				if status >= 500 {
					t.Errorf("%s as %s: %d", key, who, status)
				}
				if targeted && status != http.StatusForbidden && status != http.StatusNotFound {
					t.Errorf("%s as %s: status %d, want 403 or 404 (%s)", key, who, status, trim(resp))
				}
				for _, m := range markers {
					if strings.Contains(resp, m) {
						t.Errorf("%s as %s: response contains A1's %q", key, who, m)
					}
				}
			}
		}
	}
	f.assertAgencyAUntouched()
}

// realisticBody is a valid body for a write route, so that isolation is tested on requests that would
// succeed for an insider, not only on ones that fail validation.
func realisticBody(method, path string, f *fixture) string {
	api := strings.HasPrefix(path, "/api/")
	switch {
	case strings.HasSuffix(path, "/pages"):
		if api {
			return `{"page_id":"104999000000077","name":"Injected","access_token":"EAAB-injected-token-000"}`
		}
		return "page_id=104999000000077&name=Injected&access_token=EAAB-injected-token-000"
	case strings.HasSuffix(path, "/ad-accounts"):
		if api {
			return `{"account_id":"act_230999000000077","name":"Injected"}`
		}
		return "account_id=act_230999000000077&name=Injected"
	case strings.HasSuffix(path, "/users") && strings.Contains(path, ":brand"):
		if api {
			return `{"email":"injected@example.com","role":"brand_viewer"}`
		}
		return "email=injected@example.com&role=brand_viewer"
	case strings.HasSuffix(path, "/roles"):
		if api {
			return `{"role":"brand_admin","brand_id":"` + f.a1.ID + `"}`
		}
		return "role=brand_admin&brand_id=" + f.a1.ID
	case strings.HasSuffix(path, "/roles/revoke"), strings.HasSuffix(path, "/revoke") && strings.Contains(path, ":user"):
		return "role=analyst"
	case strings.HasSuffix(path, "/audiences/preview"):
		return `{"rule":{"field":"inbound_count","op":"gte","value":1}}`
	case strings.HasSuffix(path, "/audiences"), strings.HasSuffix(path, "/audiences/:audience"):
		if api {
			return `{"name":"Injected audience","rule":{"field":"inbound_count","op":"gte","value":0}}`
		}
		return "name=Injected+audience&rule=%7B%22all%22%3A%5B%5D%7D"
	case strings.HasSuffix(path, "/import") && strings.Contains(path, ":audience"):
		return "psid\n7199000000000001\n"
	case strings.HasSuffix(path, "/campaigns"), strings.HasSuffix(path, "/campaigns/:campaign"):
		if api {
			return f.campaignBody("Injected campaign", "injected")
		}
		return "name=Injected+campaign"
	case strings.HasSuffix(path, "/links"):
		if api {
			return `{"label":"injected"}`
		}
		return "label=injected"
	case strings.HasSuffix(path, "/test") && strings.Contains(path, ":campaign"):
		if api {
			return `{"contact_id":"` + f.contact + `"}`
		}
		return "contact_id=" + f.contact
	case strings.HasSuffix(path, "/reject"):
		return `{"reason":"injected"}`
	case strings.HasSuffix(path, "/brands/:brand"), strings.HasSuffix(path, "/edit"):
		if api {
			return `{"name":"Renamed by outsider"}`
		}
		return "name=Renamed+by+outsider&currency=EUR&timezone=UTC&policy=meta-current"
	}
	return harmless(method, path)
}

// assertAgencyAUntouched checks that nothing of agency A changed.
func (f *fixture) assertAgencyAUntouched() {
	t, ctx := f.t, context.Background()
	ta := f.store.Tenant(f.a.ID)
	b, err := ta.Brand(ctx, f.a1.ID)
	if err != nil || b.Name != f.a1.Name {
		t.Errorf("brand A1 changed: %+v %v", b, err)
	}
	pages, _ := ta.Pages(ctx, f.a1.ID)
	if len(pages) != 1 {
		t.Errorf("brand A1 has %d Pages, want 1", len(pages))
	}
	accts, _ := ta.AdAccounts(ctx, f.a1.ID)
	if len(accts) != 1 {
		t.Errorf("brand A1 has %d ad accounts, want 1", len(accts))
	}
	toks, _ := ta.Tokens(ctx, f.users[admin].ID)
	for _, tok := range toks {
		if tok.RevokedAt != nil {
			t.Errorf("token %s of A's admin was revoked", tok.ID)
		}
	}
	users, roles, _ := ta.BrandUsers(ctx, f.a1.ID)
	if len(users) != 2 {
		t.Errorf("brand A1 has %d users, want 2: %v", len(users), roles)
	}
	for _, role := range everyone {
		u, err := ta.User(ctx, f.users[role].ID)
		if err != nil || u.DisabledAt != nil || u.MustChangePassword {
			t.Errorf("A's %s was disabled or had their password reset: %+v %v", role, u, err)
		}
	}
	if got := f.store.Authz().Bindings(f.a.ID, f.users[analyst].ID); len(got) != 1 || got[0].Role != analyst {
		t.Errorf("A's analyst roles changed: %v", got)
	}
	as := audiences.NewStore(f.store.DB(), f.a.ID, f.a1, audiences.Options{Keep: 5})
	list, err := as.List(ctx)
	if err != nil || len(list) != 1 || list[0].Name != f.audience.Name || list[0].Latest == nil || list[0].Latest.Seq != 1 {
		t.Errorf("brand A1's audiences changed: %+v %v", list, err)
	}
	cs := campaigns.NewStore(f.store.DB(), f.a.ID, f.a1, campaigns.Options{})
	clist, _, err := cs.List(ctx, campaigns.Filter{}, tenancy.Cursor{})
	if err != nil || len(clist) != 1 || clist[0].Name != f.campaign.Name || clist[0].State != campaigns.StateDraft || clist[0].Version != 1 {
		t.Errorf("brand A1's campaigns changed: %+v %v", clist, err)
	}
	if links, err := cs.Links(ctx, f.campaign.ID); err != nil || len(links) != 2 || links[1].Label != "A1 secret flyer" {
		t.Errorf("brand A1's campaign links changed: %+v %v", links, err)
	}
	if _, err := ta.UserByEmail(ctx, "injected@example.com"); err == nil {
		t.Error("an outsider created a user in agency A")
	}
	if _, err := f.store.Tenant(f.b.ID).UserByEmail(ctx, "injected@example.com"); err == nil {
		t.Error("an outsider created a user through agency A's brand")
	}
}
