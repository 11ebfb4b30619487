package tenancy

import (
	"fmt"
	"strings"
)

// Audit actions: every action the audit log may hold is named here, once. The audit writers refuse any other,
// and the audit filter offers the families derived from this list, so that the two cannot drift apart.
const (
	ActionTenantCreate = "tenant.create"

	ActionBrandCreate = "brand.create"
	ActionBrandUpdate = "brand.update"
	ActionBrandDelete = "brand.delete"

	ActionPageConnect    = "page.connect"
	ActionPageDisconnect = "page.disconnect"

	ActionAdAccountAdd    = "ad_account.add"
	ActionAdAccountRemove = "ad_account.remove"

	ActionUserCreate        = "user.create"
	ActionUserPassword      = "user.password"
	ActionUserPasswordReset = "user.password_reset"
	ActionUserDisable       = "user.disable"
	ActionUserEnable        = "user.enable"
	// An account created with a one-time invitation link instead of a password.
	ActionUserInvite = "user.invite"

	ActionRoleGrant  = "role.grant"
	ActionRoleRevoke = "role.revoke"

	ActionTokenCreate = "token.create"
	ActionTokenRevoke = "token.revoke"

	ActionLoginSuccess = "login.success"
	ActionLoginFailure = "login.failure"

	ActionMetaAppRegister = "meta_app.register"
	ActionMetaAppRemove   = "meta_app.remove"

	ActionConversationsImport = "conversations.import"
	ActionBackfillStart       = "backfill.start"

	ActionAudienceCreate = "audience.create"
	ActionAudienceUpdate = "audience.update"
	ActionAudienceDelete = "audience.delete"
	ActionAudienceImport = "audience.import"
	ActionAudienceBuild  = "audience.build"
	ActionAudienceSync   = "audience.sync"

	ActionCampaignCreate   = "campaign.create"
	ActionCampaignUpdate   = "campaign.update"
	ActionCampaignDelete   = "campaign.delete"
	ActionCampaignSubmit   = "campaign.submit"
	ActionCampaignApprove  = "campaign.approve"
	ActionCampaignReject   = "campaign.reject"
	ActionCampaignLaunch   = "campaign.launch"
	ActionCampaignPause    = "campaign.pause"
	ActionCampaignResume   = "campaign.resume"
	ActionCampaignArchive  = "campaign.archive"
	ActionCampaignComplete = "campaign.complete"
	// Labelled links (entry points) of a campaign.
	ActionCampaignLinkCreate = "campaign.link_create"
	ActionCampaignLinkDelete = "campaign.link_delete"

	// Money: an agency's own exchange rates and its reporting settings.
	ActionFXRatesAdd        = "fx.rates_add"
	ActionAgencySettings    = "agency.settings"
	ActionMonthClose        = "month.close"
	ActionMonthReopen       = "month.reopen"
	ActionSpendSync         = "spend.sync"
	ActionConversionsImport = "conversion.import"
	// A test send of a campaign to one of the brand's test contacts.
	ActionCampaignTest = "campaign.test"
	// A launch of an ads campaign that Meta (or a missing token) refused: the state did not move.
	ActionCampaignLaunchFailed = "campaign.launch_failed"
	// Scheduled exports.
	ActionExportSchedule = "export.schedule"
	ActionExportDelete   = "export.delete"
	// An A/B winner applied: the variants' weights changed so that the winner gets the future sends.
	ActionCampaignApplyWinner = "campaign.apply_winner"
)

// auditActions is the registry: the constants above, in the order the filter shows their families.
var auditActions = []string{
	ActionTenantCreate, ActionBrandCreate, ActionBrandUpdate, ActionBrandDelete, ActionPageConnect,
	ActionPageDisconnect, ActionAdAccountAdd, ActionAdAccountRemove, ActionUserCreate, ActionUserPassword,
	ActionUserPasswordReset, ActionUserDisable, ActionUserEnable, ActionRoleGrant, ActionRoleRevoke,
	ActionTokenCreate, ActionTokenRevoke, ActionLoginSuccess, ActionLoginFailure, ActionMetaAppRegister,
	ActionMetaAppRemove, ActionConversationsImport, ActionBackfillStart, ActionAudienceCreate,
	ActionAudienceUpdate, ActionAudienceDelete, ActionAudienceImport, ActionAudienceBuild, ActionAudienceSync,
	ActionCampaignCreate, ActionCampaignUpdate, ActionCampaignDelete, ActionCampaignSubmit, ActionCampaignApprove,
	ActionCampaignReject, ActionCampaignLaunch, ActionCampaignPause, ActionCampaignResume, ActionCampaignArchive,
	ActionCampaignComplete, ActionCampaignLinkCreate, ActionCampaignLinkDelete,
	ActionUserInvite,
	ActionFXRatesAdd, ActionAgencySettings, ActionMonthClose, ActionMonthReopen, ActionSpendSync,
	ActionConversionsImport,
	ActionCampaignTest,
	ActionCampaignLaunchFailed,
	ActionExportSchedule, ActionExportDelete,
	ActionCampaignApplyWinner,
}

// AuditActions lists every action the audit log may hold.
func AuditActions() []string { return append([]string(nil), auditActions...) }

// AuditFamilies lists the action families ("brand.", "audience.") in registry order, for the audit filter.
func AuditFamilies() []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range auditActions {
		fam := a[:strings.IndexByte(a, '.')+1]
		if !seen[fam] {
			seen[fam] = true
			out = append(out, fam)
		}
	}
	return out
}

// checkAction refuses an audit entry whose action is not in the registry: it would be missing from the
// filter, which is the drift the registry exists to prevent.
func checkAction(action string) error {
	if !contains(auditActions, action) {
		return fmt.Errorf("tenancy: audit: action %q is not in the registry (tenancy/audit_actions.go)", action)
	}
	return nil
}
