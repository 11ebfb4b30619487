package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"relance/campaigns"
	"relance/tenancy"
)

// allCampaignsPage lists campaigns across the brands the caller may see (GET /campaigns).
func (s *Server) allCampaignsPage(c *fiber.Ctx) error {
	f := campaignFilter(c)
	v, err := s.campaignsAcross(c, tenancy.PermCampaignsRead, f, "/campaigns")
	if err != nil {
		return err
	}
	v.Title = "Campaigns"
	return s.renderPage(c, "campaigns/list", v.Title, v)
}

// approvalsPage is the approval inbox: campaigns waiting for approval on the brands the caller may approve
// for (GET /approvals).
func (s *Server) approvalsPage(c *fiber.Ctx) error {
	v, err := s.campaignsAcross(c, tenancy.PermCampaignsApprove, campaigns.Filter{State: campaigns.StatePendingApproval}, "/approvals")
	if err != nil {
		return err
	}
	v.Title, v.Inbox = "Approvals", true
	return s.renderPage(c, "campaigns/list", v.Title, v)
}

// campaignsAcross loads a page of campaigns across the brands on which the caller holds perm.
func (s *Server) campaignsAcross(c *fiber.Ctx, perm string, f campaigns.Filter, path string) (campaignListView, error) {
	v := campaignListView{State: f.State, States: campaigns.States}
	cur, err := cursorOf(c)
	if err != nil {
		return v, err
	}
	brands, err := s.brandsWith(c, perm)
	if err != nil {
		return v, err
	}
	byID := make(map[string]tenancy.Brand, len(brands))
	for _, b := range brands {
		byID[b.ID] = b
	}
	list, next, err := campaigns.ListBrands(c.UserContext(), s.DB, principalOf(c).TenantID, brands, f, cur, s.campaignOptions())
	if err != nil {
		return v, err
	}
	sums, err := s.summaries(c, list)
	if err != nil {
		return v, err
	}
	for _, cp := range sums {
		b := byID[cp.BrandID]
		v.Rows = append(v.Rows, campaignRow{campaignSummary: cp, BrandName: b.Name, Timezone: b.Timezone})
	}
	if next != "" {
		v.NextURL = path + "?" + url.Values{"state": {f.State}, "cursor": {next}}.Encode()
	}
	return v, nil
}
