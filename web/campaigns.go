package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/campaigns"
	"relance/scheduler"
	"relance/tenancy"
)

// campaignStore is the campaign store of the route's brand.
func (s *Server) campaignStore(c *fiber.Ctx) *campaigns.Store {
	return campaigns.NewStore(s.DB, principalOf(c).TenantID, brandOf(c), s.campaignOptions())
}

func (s *Server) campaignOptions() campaigns.Options {
	return campaigns.Options{NextRun: scheduler.Next}
}

// campaignSummary is a campaign in a list, with its activity (next slot or window, spend, send counts).
type campaignSummary struct {
	campaigns.Campaign
	campaigns.Activity
}

// summaries adds their activity to a page of campaigns, with one grouped query for the whole page.
func (s *Server) summaries(c *fiber.Ctx, list []campaigns.Campaign) ([]campaignSummary, error) {
	acts, err := campaigns.Activities(c.UserContext(), s.DB, principalOf(c).TenantID, list, time.Now().UTC(), s.campaignOptions())
	if err != nil {
		return nil, err
	}
	out := make([]campaignSummary, len(list))
	for i, cp := range list {
		out[i] = campaignSummary{Campaign: cp, Activity: acts[cp.ID]}
	}
	return out, nil
}

// showCampaign is the campaign as this caller may see it: without message texts for those who may not read
// messages on the brand (finance, DESIGN §5).
func (s *Server) showCampaign(c *fiber.Ctx, brandID string, cp campaigns.Campaign) campaigns.Campaign {
	p := principalOf(c)
	if s.Store.Authz().Can(p.TenantID, p.User.ID, brandID, tenancy.PermMessagesRead) {
		return cp
	}
	return cp.Redacted()
}

// brandsWith loads every brand of the tenant on which the caller holds perm (for listings across brands).
func (s *Server) brandsWith(c *fiber.Ctx, perm string) ([]tenancy.Brand, error) {
	return s.brandsIn(c, s.visibleBrands(c, perm))
}

// brandsIn loads every brand v lets through, page after page.
func (s *Server) brandsIn(c *fiber.Ctx, v tenancy.Visible) ([]tenancy.Brand, error) {
	var out []tenancy.Brand
	cur := tenancy.Cursor{Limit: 200}
	for {
		rows, next, err := s.tenantStore(c).Brands(c.UserContext(), v, cur)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		if next == "" {
			return out, nil
		}
		cur.After = next
	}
}

// campaignFilter reads ?state= and ?kind=.
func campaignFilter(c *fiber.Ctx) campaigns.Filter {
	return campaigns.Filter{State: c.Query("state"), Kind: c.Query("kind")}
}
