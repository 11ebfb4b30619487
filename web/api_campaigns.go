package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/campaigns"
	"relance/tenancy"
)

// apiCampaigns answers GET /api/v1/brands/:brand/campaigns: a page of the brand's campaigns, newest first, each with
// its activity (next slot or window, spend, send counts).
func (s *Server) apiCampaigns(c *fiber.Ctx) error {
	cur, err := cursorOf(c)
	if err != nil {
		return err
	}
	list, next, err := s.campaignStore(c).List(c.UserContext(), campaignFilter(c), cur)
	if err != nil {
		return err
	}
	b := brandOf(c)
	for i := range list {
		list[i] = s.showCampaign(c, b.ID, list[i])
	}
	out, err := s.summaries(c, list)
	if err != nil {
		return err
	}
	return c.JSON(listBody{Data: out, NextCursor: next})
}

// apiAllCampaigns answers GET /api/v1/campaigns: campaigns across the brands the caller may see
// (?state=pending_approval is the approval inbox).
func (s *Server) apiAllCampaigns(c *fiber.Ctx) error {
	cur, err := cursorOf(c)
	if err != nil {
		return err
	}
	brands, err := s.brandsWith(c, tenancy.PermCampaignsRead)
	if err != nil {
		return err
	}
	if id := c.Query("brand_id"); id != "" {
		brands = onlyBrand(brands, id)
	}
	list, next, err := campaigns.ListBrands(c.UserContext(), s.DB, principalOf(c).TenantID, brands, campaignFilter(c), cur, s.campaignOptions())
	if err != nil {
		return err
	}
	for i := range list {
		list[i] = s.showCampaign(c, list[i].BrandID, list[i])
	}
	out, err := s.summaries(c, list)
	if err != nil {
		return err
	}
	return c.JSON(listBody{Data: out, NextCursor: next})
}

func onlyBrand(brands []tenancy.Brand, id string) []tenancy.Brand {
	for _, b := range brands {
		if b.ID == id {
			return []tenancy.Brand{b}
		}
	}
	return nil
}

// apiCreateCampaign answers POST /api/v1/brands/:brand/campaigns: 201 with the draft.
func (s *Server) apiCreateCampaign(c *fiber.Ctx) error {
	var in campaigns.Input
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cp, err := s.campaignStore(c).Create(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(s.showCampaign(c, cp.BrandID, cp))
}

// apiCampaign answers GET /api/v1/brands/:brand/campaigns/:campaign.
func (s *Server) apiCampaign(c *fiber.Ctx) error {
	cp, err := s.campaignStore(c).Get(c.UserContext(), c.Params("campaign"))
	if err != nil {
		return err
	}
	return c.JSON(s.showCampaign(c, cp.BrandID, cp))
}

// apiUpdateCampaign answers PATCH /api/v1/brands/:brand/campaigns/:campaign.
func (s *Server) apiUpdateCampaign(c *fiber.Ctx) error {
	var in campaigns.Input
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	st := s.campaignStore(c)
	cp, err := st.Update(c.UserContext(), c.Params("campaign"), in)
	if err != nil {
		return err
	}
	cp = s.steerNow(c, st, cp) // budget and end date reach Meta
	return c.JSON(s.showCampaign(c, cp.BrandID, cp))
}

// apiDeleteCampaign answers DELETE /api/v1/brands/:brand/campaigns/:campaign: drafts only (409 otherwise).
func (s *Server) apiDeleteCampaign(c *fiber.Ctx) error {
	if err := s.campaignStore(c).Delete(c.UserContext(), c.Params("campaign")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// apiCampaignTimeline answers GET /api/v1/brands/:brand/campaigns/:campaign/timeline.
func (s *Server) apiCampaignTimeline(c *fiber.Ctx) error {
	evs, err := s.campaignStore(c).Timeline(c.UserContext(), c.Params("campaign"))
	if err != nil {
		return err
	}
	return c.JSON(listBody{Data: evs})
}

// apiCampaignAction answers POST /api/v1/brands/:brand/campaigns/:campaign/<action>: the campaign in its new
// state, 409 naming the state when the action is not allowed in it.
func (s *Server) apiCampaignAction(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var in campaigns.ActInput
		if len(c.Body()) > 0 {
			if err := decodeJSON(c, &in); err != nil {
				return err
			}
		}
		cp, err := s.act(c, action, in)
		if err != nil {
			return err
		}
		return c.JSON(s.showCampaign(c, cp.BrandID, cp))
	}
}

// apiCampaignPreview answers POST /api/v1/brands/:brand/campaigns/:campaign/preview: what the next send slot
// would do now (routes, variants, holdout, skips and a sample), without sending.
func (s *Server) apiCampaignPreview(c *fiber.Ctx) error {
	p, err := s.campaignStore(c).PreviewSlot(c.UserContext(), c.Params("campaign"))
	if err != nil {
		return err
	}
	return c.JSON(p)
}
