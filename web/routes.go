package web

import (
	"github.com/gofiber/fiber/v2"

	t "relance/tenancy"
)

// routeTable is every route relance serves, with its access rule. authorize enforces the rule; the role
// matrix and isolation tests enumerate this table and the router, so a route cannot go unchecked.
func (s *Server) routeTable() []route {
	get, post, patch, del := fiber.MethodGet, fiber.MethodPost, fiber.MethodPatch, fiber.MethodDelete
	pub := Rule{Scope: Public}
	self := Rule{Scope: Self}
	tenant := func(p string) Rule { return Rule{Scope: Tenant, Perm: p} }
	anyBrand := func(p string) Rule { return Rule{Scope: AnyBrand, Perm: p} }
	brand := func(p string) Rule { return Rule{Scope: Brand, Perm: p} }
	return []route{
		// Operations.
		{Method: get, Path: "/livez", Rule: pub, Handler: s.livez},
		{Method: get, Path: "/readyz", Rule: pub, Handler: s.readyz},
		{Method: get, Path: "/metrics", Rule: pub, Handler: s.metricsPage},
		{Method: get, Path: "/static/*", Rule: pub, Handler: s.static},

		// Meta's webhooks: authenticated by the signature over the body, not by a session.
		{Method: get, Path: "/webhooks/messenger", Rule: pub, Handler: s.webhookVerify},
		{Method: post, Path: "/webhooks/messenger", Rule: pub, Handler: s.webhookReceive},
		{Method: get, Path: "/webhooks/messenger/:app_id", Rule: pub, Handler: s.appWebhookVerify},
		{Method: post, Path: "/webhooks/messenger/:app_id", Rule: pub, Handler: s.appWebhookReceive},

		// UI: session.
		{Method: get, Path: "/login", Rule: pub, Handler: s.loginPage},
		{Method: post, Path: "/login", Rule: pub, Handler: s.login},
		{Method: post, Path: "/logout", Rule: self, Handler: s.logout},
		{Method: get, Path: "/", Rule: self, Handler: s.dashboard},
		{Method: get, Path: "/account/password", Rule: self, Handler: s.passwordPage},
		{Method: post, Path: "/account/password", Rule: self, Handler: s.changePassword},
		{Method: get, Path: "/tokens", Rule: self, Handler: s.tokensPage},
		{Method: post, Path: "/tokens", Rule: self, Handler: s.createToken},
		{Method: post, Path: "/tokens/:token/revoke", Rule: self, Handler: s.revokeToken},

		// UI: brands, Pages, ad accounts.
		{Method: get, Path: "/brands", Rule: anyBrand(t.PermBrandsRead), Handler: s.brandsPage},
		{Method: get, Path: "/brands/new", Rule: tenant(t.PermBrandsWrite), Handler: s.brandNewPage},
		{Method: post, Path: "/brands", Rule: tenant(t.PermBrandsWrite), Handler: s.createBrand},
		{Method: get, Path: "/brands/:brand", Rule: brand(t.PermBrandsRead), Handler: s.brandPage},
		{Method: get, Path: "/brands/:brand/edit", Rule: brand(t.PermBrandsWrite), Handler: s.brandEditPage},
		{Method: post, Path: "/brands/:brand/edit", Rule: brand(t.PermBrandsWrite), Handler: s.updateBrand},
		{Method: post, Path: "/brands/:brand/delete", Rule: brand(t.PermBrandsWrite), Handler: s.deleteBrand},
		{Method: get, Path: "/brands/:brand/pages/new", Rule: brand(t.PermPagesWrite), Handler: s.pageNewPage},
		{Method: post, Path: "/brands/:brand/pages", Rule: brand(t.PermPagesWrite), Handler: s.connectPage},
		{Method: post, Path: "/brands/:brand/pages/:page/delete", Rule: brand(t.PermPagesWrite), Handler: s.disconnectPage},
		// A backfill writes conversations (as an import does); its progress is conversation counts.
		{Method: post, Path: "/brands/:brand/pages/:page/backfill", Rule: brand(t.PermConversationsWrite), Handler: s.startBackfillUI},
		{Method: get, Path: "/brands/:brand/pages/:page/backfill", Rule: brand(t.PermConversationsRead), Handler: s.backfillProgress},
		{Method: get, Path: "/brands/:brand/ad-accounts/new", Rule: brand(t.PermPagesWrite), Handler: s.adAccountNewPage},
		{Method: post, Path: "/brands/:brand/ad-accounts", Rule: brand(t.PermPagesWrite), Handler: s.addAdAccount},
		{Method: post, Path: "/brands/:brand/ad-accounts/:account/delete", Rule: brand(t.PermPagesWrite), Handler: s.removeAdAccount},
		{Method: get, Path: "/brands/:brand/conversations", Rule: brand(t.PermConversationsRead), Handler: s.conversationsPage},
		{Method: get, Path: "/brands/:brand/conversations/:contact", Rule: brand(t.PermConversationsRead), Handler: s.threadPage},
		{Method: post, Path: "/brands/:brand/conversations/import", Rule: brand(t.PermConversationsWrite), Handler: s.importHistory},
		{Method: get, Path: "/brands/:brand/users", Rule: brand(t.PermBrandUsersManage), Handler: s.brandUsersPage},
		{Method: post, Path: "/brands/:brand/users", Rule: brand(t.PermBrandUsersManage), Handler: s.createBrandUser},
		{Method: post, Path: "/brands/:brand/users/:user/revoke", Rule: brand(t.PermBrandUsersManage), Handler: s.revokeBrandUser},

		// UI: people and the audit log.
		{Method: get, Path: "/users", Rule: tenant(t.PermUsersManage), Handler: s.usersPage},
		{Method: get, Path: "/users/new", Rule: tenant(t.PermUsersManage), Handler: s.userNewPage},
		{Method: post, Path: "/users", Rule: tenant(t.PermUsersManage), Handler: s.createUser},
		{Method: get, Path: "/users/:user", Rule: tenant(t.PermUsersManage), Handler: s.userPage},
		{Method: post, Path: "/users/:user/roles", Rule: tenant(t.PermUsersManage), Handler: s.grantRole},
		{Method: post, Path: "/users/:user/roles/revoke", Rule: tenant(t.PermUsersManage), Handler: s.revokeRole},
		{Method: get, Path: "/audit", Rule: tenant(t.PermAuditRead), Handler: s.auditPage},
		{Method: get, Path: "/settings/meta-apps", Rule: tenant(t.PermSettingsWrite), Handler: s.metaAppsPage},
		{Method: post, Path: "/settings/meta-apps", Rule: tenant(t.PermSettingsWrite), Handler: s.registerMetaApp},
		{Method: post, Path: "/settings/meta-apps/:app/delete", Rule: tenant(t.PermSettingsWrite), Handler: s.removeMetaApp},

		// API v1.
		{Method: get, Path: "/api/v1/openapi.json", Rule: pub, Handler: s.apiOpenAPI,
			API: &apiDoc{Summary: "This document", Tag: "meta", Response: "object", Public: true}},
		{Method: get, Path: "/api/v1/me", Rule: self, Handler: s.apiMe,
			API: &apiDoc{Summary: "The caller, its agency and roles", Tag: "me", Response: "Me"}},
		{Method: get, Path: "/api/v1/brands", Rule: anyBrand(t.PermBrandsRead), Handler: s.apiBrands,
			API: &apiDoc{Summary: "Brands the caller may see", Tag: "brands", Response: "BrandList", Paged: true}},
		{Method: post, Path: "/api/v1/brands", Rule: tenant(t.PermBrandsWrite), Handler: s.apiCreateBrand,
			API: &apiDoc{Summary: "Create a brand", Tag: "brands", Request: "BrandInput", Response: "Brand", Status: 201}},
		{Method: get, Path: "/api/v1/brands/:brand", Rule: brand(t.PermBrandsRead), Handler: s.apiBrand,
			API: &apiDoc{Summary: "One brand", Tag: "brands", Response: "Brand"}},
		{Method: patch, Path: "/api/v1/brands/:brand", Rule: brand(t.PermBrandsWrite), Handler: s.apiUpdateBrand,
			API: &apiDoc{Summary: "Change a brand", Tag: "brands", Request: "BrandInput", Response: "Brand"}},
		{Method: del, Path: "/api/v1/brands/:brand", Rule: brand(t.PermBrandsWrite), Handler: s.apiDeleteBrand,
			API: &apiDoc{Summary: "Delete a brand without Pages", Tag: "brands", Status: 204}},
		{Method: get, Path: "/api/v1/brands/:brand/pages", Rule: brand(t.PermPagesRead), Handler: s.apiPages,
			API: &apiDoc{Summary: "The brand's connected Pages", Tag: "pages", Response: "PageList"}},
		{Method: post, Path: "/api/v1/brands/:brand/pages", Rule: brand(t.PermPagesWrite), Handler: s.apiConnectPage,
			API: &apiDoc{Summary: "Connect a Page", Tag: "pages", Request: "PageInput", Response: "Page", Status: 201}},
		{Method: del, Path: "/api/v1/brands/:brand/pages/:page", Rule: brand(t.PermPagesWrite), Handler: s.apiDisconnectPage,
			API: &apiDoc{Summary: "Disconnect a Page", Tag: "pages", Status: 204}},
		{Method: post, Path: "/api/v1/brands/:brand/pages/:page/backfill", Rule: brand(t.PermConversationsWrite), Handler: s.apiStartBackfill,
			API: &apiDoc{Summary: "Backfill the Page's history through the Conversations API (resumes the last unfinished backfill; 409 while one runs)",
				Tag: "pages", Response: "Backfill", Status: 202}},
		{Method: get, Path: "/api/v1/brands/:brand/pages/:page/backfill", Rule: brand(t.PermConversationsRead), Handler: s.apiBackfill,
			API: &apiDoc{Summary: "The Page's latest history backfill and its progress", Tag: "pages", Response: "Backfill"}},
		{Method: get, Path: "/api/v1/brands/:brand/ad-accounts", Rule: brand(t.PermPagesRead), Handler: s.apiAdAccounts,
			API: &apiDoc{Summary: "The brand's ad accounts", Tag: "ad-accounts", Response: "AdAccountList"}},
		{Method: post, Path: "/api/v1/brands/:brand/ad-accounts", Rule: brand(t.PermPagesWrite), Handler: s.apiAddAdAccount,
			API: &apiDoc{Summary: "Attach an ad account", Tag: "ad-accounts", Request: "AdAccountInput", Response: "AdAccount", Status: 201}},
		{Method: del, Path: "/api/v1/brands/:brand/ad-accounts/:account", Rule: brand(t.PermPagesWrite), Handler: s.apiRemoveAdAccount,
			API: &apiDoc{Summary: "Detach an ad account", Tag: "ad-accounts", Status: 204}},
		{Method: get, Path: "/api/v1/brands/:brand/users", Rule: brand(t.PermBrandUsersManage), Handler: s.apiBrandUsers,
			API: &apiDoc{Summary: "Users holding a role on the brand", Tag: "users", Response: "UserList"}},
		{Method: post, Path: "/api/v1/brands/:brand/users", Rule: brand(t.PermBrandUsersManage), Handler: s.apiCreateBrandUser,
			API: &apiDoc{Summary: "Create a brand_admin or brand_viewer of the brand", Tag: "users", Request: "BrandUserInput", Response: "UserCreated", Status: 201}},
		{Method: get, Path: "/api/v1/brands/:brand/contacts", Rule: brand(t.PermConversationsRead), Handler: s.apiContacts,
			API: &apiDoc{Summary: "The brand's contacts, most recently active first", Tag: "conversations", Response: "ContactList", Paged: true,
				Query: []string{"psid", "page_id", "source", "ad_id", "ref", "entity", "reachability", "owner", "active_since", "active_until", "q"}}},
		{Method: get, Path: "/api/v1/brands/:brand/contacts/:contact", Rule: brand(t.PermConversationsRead), Handler: s.apiContact,
			API: &apiDoc{Summary: "A contact with its messages and events (texts only with messages:read)", Tag: "conversations", Response: "Thread"}},
		{Method: post, Path: "/api/v1/brands/:brand/conversations/import", Rule: brand(t.PermConversationsWrite), Handler: s.apiImport,
			API: &apiDoc{Summary: "Import history: JSON Lines or CSV (format=jsonl|csv); bad lines are listed, good ones kept", Tag: "conversations",
				Request: "ImportBody", Response: "ImportResult", Query: []string{"format"},
				BodyTypes: []string{"application/x-ndjson", "text/csv"}}},
		{Method: get, Path: "/api/v1/users", Rule: tenant(t.PermUsersManage), Handler: s.apiUsers,
			API: &apiDoc{Summary: "The agency's users", Tag: "users", Response: "UserList", Paged: true}},
		{Method: post, Path: "/api/v1/users", Rule: tenant(t.PermUsersManage), Handler: s.apiCreateUser,
			API: &apiDoc{Summary: "Create a user with a role", Tag: "users", Request: "UserInput", Response: "UserCreated", Status: 201}},
		{Method: get, Path: "/api/v1/users/:user", Rule: tenant(t.PermUsersManage), Handler: s.apiUser,
			API: &apiDoc{Summary: "One user and their roles", Tag: "users", Response: "User"}},
		{Method: post, Path: "/api/v1/users/:user/roles", Rule: tenant(t.PermUsersManage), Handler: s.apiGrantRole,
			API: &apiDoc{Summary: "Grant a role", Tag: "users", Request: "RoleInput", Response: "User", Status: 201}},
		{Method: del, Path: "/api/v1/users/:user/roles", Rule: tenant(t.PermUsersManage), Handler: s.apiRevokeRole,
			API: &apiDoc{Summary: "Revoke a role (role and brand_id as query parameters)", Tag: "users", Status: 204,
				Query: []string{"role", "brand_id"}}},
		{Method: get, Path: "/api/v1/tokens", Rule: self, Handler: s.apiTokens,
			API: &apiDoc{Summary: "The caller's API tokens", Tag: "tokens", Response: "TokenList"}},
		{Method: post, Path: "/api/v1/tokens", Rule: self, Handler: s.apiCreateToken,
			API: &apiDoc{Summary: "Create an API token (its secret is shown once)", Tag: "tokens", Request: "TokenInput", Response: "TokenCreated", Status: 201}},
		{Method: del, Path: "/api/v1/tokens/:token", Rule: self, Handler: s.apiRevokeToken,
			API: &apiDoc{Summary: "Revoke one of the caller's tokens", Tag: "tokens", Status: 204}},
		{Method: get, Path: "/api/v1/meta-apps", Rule: tenant(t.PermSettingsWrite), Handler: s.apiMetaApps,
			API: &apiDoc{Summary: "Meta apps the agency registered", Tag: "settings", Response: "MetaAppList"}},
		{Method: post, Path: "/api/v1/meta-apps", Rule: tenant(t.PermSettingsWrite), Handler: s.apiRegisterMetaApp,
			API: &apiDoc{Summary: "Register a Meta app (webhooks at /webhooks/messenger/{app_id})", Tag: "settings", Request: "MetaAppInput", Response: "MetaApp", Status: 201}},
		{Method: del, Path: "/api/v1/meta-apps/:app", Rule: tenant(t.PermSettingsWrite), Handler: s.apiRemoveMetaApp,
			API: &apiDoc{Summary: "Remove a registered Meta app", Tag: "settings", Status: 204}},
		{Method: get, Path: "/api/v1/audit", Rule: tenant(t.PermAuditRead), Handler: s.apiAudit,
			API: &apiDoc{Summary: "The audit log, newest first", Tag: "audit", Response: "AuditList", Paged: true,
				Query: []string{"action", "actor_id", "brand_id", "object_id", "since", "until"}}},
	}
}
