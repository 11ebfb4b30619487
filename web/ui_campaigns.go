package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/campaigns"
	"relance/tenancy"
)

// campaignListView is a list of campaigns: one brand's, every visible brand's, or the approval inbox.
type campaignListView struct {
	Title string
	// Brand is set on a brand's own list (the brand column is left out).
	Brand    *tenancy.Brand
	Rows     []campaignRow
	State    string
	States   []string
	NextURL  string
	CanWrite bool
	Inbox    bool
}

// campaignRow is a campaign with its activity and its brand, for lists across brands.
type campaignRow struct {
	campaignSummary
	BrandName, Timezone string
}

// campaignsPage lists a brand's campaigns, newest first (GET /brands/:brand/campaigns).
func (s *Server) campaignsPage(c *fiber.Ctx) error {
	b := brandOf(c)
	cur, err := cursorOf(c)
	if err != nil {
		return err
	}
	f := campaignFilter(c)
	list, next, err := s.campaignStore(c).List(c.UserContext(), f, cur)
	if err != nil {
		return err
	}
	p := principalOf(c)
	v := campaignListView{Title: "Campaigns · " + b.Name, Brand: &b, State: f.State, States: campaigns.States,
		CanWrite: s.Store.Authz().Can(p.TenantID, p.User.ID, b.ID, tenancy.PermCampaignsWrite)}
	sums, err := s.summaries(c, list)
	if err != nil {
		return err
	}
	for _, cp := range sums {
		v.Rows = append(v.Rows, campaignRow{campaignSummary: cp, BrandName: b.Name, Timezone: b.Timezone})
	}
	if next != "" {
		v.NextURL = "/brands/" + b.ID + "/campaigns?state=" + f.State + "&cursor=" + next
	}
	return s.renderPage(c, "campaigns/list", v.Title, v)
}
