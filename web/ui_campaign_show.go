package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"relance/campaigns"
	"relance/tenancy"
)

// campaignView is a campaign's page: its settings, its variants as Messenger would show them, the actions
// the caller may take now, and its timeline.
type campaignView struct {
	Brand    tenancy.Brand
	Campaign campaigns.Campaign
	Timeline []campaigns.Event
	PageName string
	// AudienceName names the include and exclude audiences.
	AudienceName map[string]string
	// Actions are the lifecycle buttons the caller may press in the campaign's state.
	Actions  []string
	CanWrite bool
	// CanText says the caller may read message texts (finance may not): the variants are shown without them.
	CanText bool
	// CanPreview says the caller may preview the next slot (it lists members, as an audience does).
	CanPreview bool
	// NeedsApproval says the brand requires approval (shown beside submit).
	NeedsApproval bool
	// Links are the campaign's entry points with their QR codes; LinkLabel and LinkErrors refill the
	// add-a-link form after a refused label.
	Links      []linkView
	LinkLabel  string
	LinkErrors map[string]string
	// Runs are the send slots (sponsored messages), newest first; Run is the one whose sends are listed
	// (?run=, default the newest), filtered by SendFilter, a page of at most 100.
	Runs       []campaigns.Run
	Run        *campaigns.Run
	Sends      []campaigns.Send
	SendFilter campaigns.SendFilter
	Statuses   []string
	RouteNames []string
	// CanRun says the caller may run the slot of the current minute (a running campaign).
	CanRun bool
	// CanThreads says the caller may open a recipient's conversation from the sends table; Threaded holds
	// the sends whose recipient is a contact relance has a thread for (not an audience member never talked with).
	CanThreads bool
	Threaded   map[string]bool
	// CanTest says the caller may send a test; TestContacts are the brand's test contacts on the campaign's
	// Page (settings.test_contacts).
	CanTest      bool
	TestContacts []campaigns.TestContact
	// Perf is the campaign's funnel and figures per day, for those who read the brand's reports.
	Perf *campaignPerf
}

// actionPerm is the permission each lifecycle action needs, as the route table says.
var actionPerm = map[string]string{
	campaigns.ActSubmit: tenancy.PermCampaignsWrite, campaigns.ActArchive: tenancy.PermCampaignsWrite,
	campaigns.ActApprove: tenancy.PermCampaignsApprove, campaigns.ActReject: tenancy.PermCampaignsApprove,
	campaigns.ActLaunch: tenancy.PermCampaignsLaunch, campaigns.ActPause: tenancy.PermCampaignsLaunch,
	campaigns.ActResume: tenancy.PermCampaignsLaunch,
}

// campaignPage shows one campaign (GET /brands/:brand/campaigns/:campaign).
func (s *Server) campaignPage(c *fiber.Ctx) error {
	v, err := s.campaignViewOf(c)
	if err != nil {
		return err
	}
	if v.Perf, err = s.campaignPerfOf(c, v.Brand, v.Campaign.ID); err != nil {
		return err
	}
	return s.renderPage(c, "campaigns/show", v.Campaign.Name, v)
}

// campaignViewOf gathers what the campaign page shows.
func (s *Server) campaignViewOf(c *fiber.Ctx) (campaignView, error) {
	ctx, b, st := c.UserContext(), brandOf(c), s.campaignStore(c)
	cp, err := st.Get(ctx, c.Params("campaign"))
	if err != nil {
		return campaignView{}, err
	}
	p := principalOf(c)
	az := s.Store.Authz()
	v := campaignView{Brand: b, Campaign: s.showCampaign(c, b.ID, cp), AudienceName: map[string]string{},
		CanWrite:      az.Can(p.TenantID, p.User.ID, b.ID, tenancy.PermCampaignsWrite),
		CanText:       az.Can(p.TenantID, p.User.ID, b.ID, tenancy.PermMessagesRead),
		CanPreview:    az.Can(p.TenantID, p.User.ID, b.ID, tenancy.PermAudiencesRead),
		CanThreads:    az.Can(p.TenantID, p.User.ID, b.ID, tenancy.PermConversationsRead),
		NeedsApproval: b.Settings.Effective().ApprovalRequired,
		CanRun: cp.State == campaigns.StateRunning && cp.Kind == campaigns.KindSponsoredMessage &&
			az.Can(p.TenantID, p.User.ID, b.ID, tenancy.PermCampaignsLaunch)}
	for _, a := range campaigns.Actions {
		if campaigns.Allowed(a, cp.State) && az.Can(p.TenantID, p.User.ID, b.ID, actionPerm[a]) {
			v.Actions = append(v.Actions, a)
		}
	}
	if v.CanTest = v.CanWrite && cp.State != campaigns.StateArchived; v.CanTest {
		if v.TestContacts, err = st.TestContacts(ctx, cp.ID); err != nil {
			return campaignView{}, err
		}
	}
	if v.Timeline, err = st.Timeline(ctx, cp.ID); err != nil {
		return campaignView{}, err
	}
	links, err := st.Links(ctx, cp.ID)
	if err != nil {
		return campaignView{}, err
	}
	v.Links = linkViews(links, "/brands/"+b.ID+"/campaigns/"+cp.ID)
	if cp.Kind == campaigns.KindSponsoredMessage {
		if err := s.campaignRuns(c, st, cp.ID, &v); err != nil {
			return campaignView{}, err
		}
	}
	pages, err := s.tenantStore(c).Pages(ctx, b.ID)
	if err != nil {
		return campaignView{}, err
	}
	for _, pg := range pages {
		if pg.PageID == cp.PageID {
			v.PageName = pg.Name
		}
	}
	if auds, err := s.audienceStore(c).List(ctx); err == nil {
		for _, a := range auds {
			v.AudienceName[a.ID] = a.Name
		}
	}
	return v, nil
}

// campaignRuns fills the runs section: every run with its counts and the chosen run's sends, filtered. An
// unknown filter value lists nothing rather than failing the page.
func (s *Server) campaignRuns(c *fiber.Ctx, st *campaigns.Store, id string, v *campaignView) error {
	runs, err := st.Runs(c.UserContext(), id)
	if err != nil {
		return err
	}
	v.Runs, v.Statuses = runs, campaigns.SendStatuses
	v.RouteNames = []string{campaigns.RouteFree, campaigns.RouteFollowUp, campaigns.RoutePaid, campaigns.RouteAdsOnly,
		campaigns.RouteSkipped, campaigns.RouteHoldout}
	v.SendFilter = campaigns.SendFilter{Status: c.Query("status"), Route: c.Query("route")}
	want := c.Query("run")
	for i := range runs {
		if runs[i].ID == want || (want == "" && i == 0) {
			v.Run = &runs[i]
		}
	}
	if v.Run == nil {
		return nil
	}
	sends, _, err := st.Sends(c.UserContext(), id, v.Run.ID, v.SendFilter, tenancy.Cursor{Limit: 100})
	var ve *tenancy.ValidationError
	if errors.As(err, &ve) {
		return nil
	}
	v.Sends, v.Threaded = sends, map[string]bool{}
	for _, sd := range sends {
		v.Threaded[sd.ID] = uuid.Validate(sd.ContactID) == nil
	}
	return err
}
