package web

import (
	"errors"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/audiences"
	"relance/conversations"
	"relance/scheduler"
	"relance/tenancy"
)

// audienceMembersPage is how many members of the latest snapshot the audience page lists at a time.
const audienceMembersPage = 50

// audienceView is an audience's page: its rule, its snapshots and a sample of its members.
type audienceView struct {
	Brand     tenancy.Brand
	Audience  audiences.Audience
	Summary   string
	Snapshots []audiences.Snapshot
	Members   []conversations.ContactReach
	// MemberRows are Members as the page shows them (names, reachability with its expiry).
	MemberRows []contactRow
	// MembersSort is "psid" (by Page and PSID) or "" (by last message, the default); MembersNext and
	// MembersMore load the next page (htmx appends it).
	MembersSort, MembersNext, MembersMore string
	PageName                              map[string]string
	AdAccount                             string
	// Sync is the audience's Meta sync status, for the "audience_sync" template block; nil shows "—".
	Sync any
	// Runs are the latest scheduled refreshes (outcome, duration), newest first.
	Runs       []scheduler.Run
	CanWrite   bool
	CanThreads bool
	// Import is the result of a list just uploaded (manual audiences); ImportError says why none was read.
	Import      *audiences.ImportResult
	ImportFile  string
	ImportError string
}

// audiencePage shows one audience (GET /brands/:brand/audiences/:audience).
func (s *Server) audiencePage(c *fiber.Ctx) error {
	v, err := s.loadAudienceView(c)
	if err != nil {
		return err
	}
	if c.Query("append") == "1" && c.Get("HX-Request") != "" {
		return c.Render("audiences/members_more", fiber.Map{"D": v})
	}
	return s.renderPage(c, "audiences/show", v.Audience.Name, v)
}

// loadAudienceView reads everything the audience page shows.
func (s *Server) loadAudienceView(c *fiber.Ctx) (audienceView, error) {
	ctx, b, st := c.UserContext(), brandOf(c), s.audienceStore(c)
	a, err := st.Get(ctx, c.Params("audience"))
	if err != nil {
		return audienceView{}, err
	}
	p := principalOf(c)
	v := audienceView{Brand: b, Audience: a, PageName: map[string]string{}, CanWrite: s.canWriteAudiences(c),
		CanThreads: s.Store.Authz().Can(p.TenantID, p.User.ID, b.ID, tenancy.PermConversationsRead)}
	if v.Snapshots, err = st.Snapshots(ctx, a.ID); err != nil {
		return v, err
	}
	var members audiences.MemberPage
	if v.MembersSort = c.Query("sort"); v.MembersSort == "psid" {
		members, err = st.Members(ctx, a.ID, "", c.Query("cursor"), audienceMembersPage)
	} else {
		v.MembersSort = ""
		members, err = st.MembersByInbound(ctx, a.ID, "", c.Query("cursor"), audienceMembersPage)
	}
	if err != nil && !errors.Is(err, audiences.ErrNoSnapshot) {
		return v, filterError(err)
	}
	v.Members = members.Members
	if members.Next != "" {
		q := url.Values{"cursor": {members.Next}}
		if v.MembersSort != "" {
			q.Set("sort", v.MembersSort)
		}
		v.MembersNext = "/brands/" + b.ID + "/audiences/" + a.ID + "?" + q.Encode()
		q.Set("append", "1")
		v.MembersMore = "/brands/" + b.ID + "/audiences/" + a.ID + "?" + q.Encode()
	}
	loc, now := brandZone(b.Timezone), time.Now()
	for _, m := range v.Members {
		v.MemberRows = append(v.MemberRows, contactRow{ContactReach: m, Person: personOf(m.Contact),
			Reach: reachText(m.Reachability, loc, now)})
	}
	if s.Profiles != nil {
		list := make([]conversations.Contact, 0, len(v.Members))
		for _, m := range v.Members {
			list = append(list, m.Contact)
		}
		s.Profiles.Want(p.TenantID, b.ID, list...)
	}
	names := ruleNames{Pages: map[string]string{}, Audiences: map[string]string{}, Timezone: b.Timezone}
	pages, err := s.tenantStore(c).Pages(ctx, b.ID)
	if err != nil {
		return v, err
	}
	for _, pg := range pages {
		v.PageName[pg.PageID], names.Pages[pg.PageID] = pg.Name, pg.Name
	}
	if a.Kind == audiences.KindRule {
		all, err := st.List(ctx)
		if err != nil {
			return v, err
		}
		for _, o := range all {
			names.Audiences[o.ID] = o.Name
		}
		v.Summary = ruleSummary(a.Rule, names)
	}
	if s.Scheduler != nil && (a.RefreshCron != "" || a.Kind == audiences.KindRule) {
		// The audience was authorized above; run history is keyed by its id alone.
		if v.Runs, err = s.Scheduler.Runs(ctx, RefreshKind, a.ID, 10); err != nil {
			return v, err
		}
	}
	if a.AdAccountID != "" {
		v.AdAccount = a.AdAccountID
		accts, err := s.tenantStore(c).AdAccounts(ctx, b.ID)
		if err != nil {
			return v, err
		}
		for _, acct := range accts {
			if acct.AccountID == a.AdAccountID && acct.Name != "" {
				v.AdAccount = acct.Name + " (" + acct.AccountID + ")"
			}
		}
		if st := s.syncStatus(c, a); st != nil {
			v.Sync = st
		}
	}
	return v, nil
}
