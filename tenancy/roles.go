package tenancy

import "slices"

// Role names, as DESIGN §5 spells them.
const (
	RoleAgencyAdmin     = "agency_admin"
	RoleCampaignManager = "campaign_manager"
	RoleAnalyst         = "analyst"
	RoleFinance         = "finance"
	RoleBrandAdmin      = "brand_admin"
	RoleBrandViewer     = "brand_viewer"
)

// Permissions: what a route or an action requires. A role grants a set of them; see rolePermissions.
const (
	PermBrandsRead         = "brands:read"
	PermBrandsWrite        = "brands:write"
	PermPagesRead          = "pages:read"
	PermPagesWrite         = "pages:write"
	PermUsersManage        = "users:manage"
	PermBrandUsersManage   = "brand_users:manage"
	PermAuditRead          = "audit:read"
	PermSettingsWrite      = "settings:write"
	PermConversationsRead  = "conversations:read"
	PermMessagesRead       = "messages:read"
	PermConversationsWrite = "conversations:write"
	PermAudiencesRead      = "audiences:read"
	PermAudiencesWrite     = "audiences:write"
	PermCampaignsRead      = "campaigns:read"
	PermCampaignsWrite     = "campaigns:write"
	PermCampaignsLaunch    = "campaigns:launch"
	PermCampaignsApprove   = "campaigns:approve"
	PermReportsRead        = "reports:read"
	PermSpendRead          = "spend:read"
	PermSpendWrite         = "spend:write"
	PermExports            = "exports:create"
	PermMonthClose         = "months:close"
	// PermConversionsWrite reports conversions (API and CSV import).
	PermConversionsWrite = "conversions:write"
	// PermMonthReopen undoes a close; it is the agency_admin's alone, as closing is finance's alone.
	PermMonthReopen = "months:reopen"
)

// TenantRoles are granted across a whole agency; BrandRoles are bound to one brand.
var (
	TenantRoles = []string{RoleAgencyAdmin, RoleCampaignManager, RoleAnalyst, RoleFinance}
	BrandRoles  = []string{RoleBrandAdmin, RoleBrandViewer}
)

// AllPermissions lists every permission, for the role matrix and for agency_admin.
var AllPermissions = []string{
	PermBrandsRead, PermBrandsWrite, PermPagesRead, PermPagesWrite, PermUsersManage, PermBrandUsersManage,
	PermAuditRead, PermSettingsWrite, PermConversationsRead, PermMessagesRead, PermConversationsWrite,
	PermAudiencesRead, PermAudiencesWrite, PermCampaignsRead, PermCampaignsWrite, PermCampaignsLaunch,
	PermCampaignsApprove, PermReportsRead, PermSpendRead, PermSpendWrite, PermExports, PermMonthClose,
	PermMonthReopen, PermConversionsWrite,
}

// rolePermissions is DESIGN §5's role table as data. finance reads contacts (to count conversations against
// spend) but never gets messages:read: it sees money, not texts.
var rolePermissions = map[string][]string{
	// agency_admin may do everything but close a month: the rule is that only finance closes (the
	// books are finance's word) and only an agency_admin reopens, so that no one person does both.
	RoleAgencyAdmin: without(AllPermissions, PermMonthClose),
	RoleCampaignManager: {PermBrandsRead, PermPagesRead, PermConversationsRead, PermMessagesRead,
		PermAudiencesRead, PermAudiencesWrite, PermCampaignsRead, PermCampaignsWrite, PermCampaignsLaunch,
		PermReportsRead, PermConversionsWrite},
	RoleAnalyst: {PermBrandsRead, PermPagesRead, PermConversationsRead, PermMessagesRead, PermAudiencesRead,
		PermCampaignsRead, PermReportsRead},
	RoleFinance: {PermBrandsRead, PermConversationsRead, PermReportsRead, PermSpendRead, PermSpendWrite, PermExports,
		PermMonthClose, PermCampaignsRead, PermConversionsWrite},
	RoleBrandAdmin: {PermBrandsRead, PermPagesRead, PermConversationsRead, PermMessagesRead, PermAudiencesRead,
		PermCampaignsRead, PermCampaignsApprove, PermReportsRead, PermBrandUsersManage},
	RoleBrandViewer: {PermBrandsRead, PermCampaignsRead, PermReportsRead},
}

// RoleGrants reports whether role grants perm (the role matrix test reads the contract through it).
func RoleGrants(role, perm string) bool {
	for _, p := range rolePermissions[role] {
		if p == perm {
			return true
		}
	}
	return false
}

// IsTenantRole reports whether role is granted agency-wide.
func IsTenantRole(role string) bool { return contains(TenantRoles, role) }

// IsBrandRole reports whether role is bound to one brand.
func IsBrandRole(role string) bool { return contains(BrandRoles, role) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// without is perms less the ones named.
func without(perms []string, drop ...string) []string {
	out := make([]string, 0, len(perms))
	for _, p := range perms {
		if !slices.Contains(drop, p) {
			out = append(out, p)
		}
	}
	return out
}
