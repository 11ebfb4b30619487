package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/campaigns"
)

// apiLinksPrefix is the API path of a campaign, under which its links' QR codes are served.
func apiLinksPrefix(c *fiber.Ctx) string {
	return "/api/v1/brands/" + brandOf(c).ID + "/campaigns/" + c.Params("campaign")
}

// apiCampaignLinks answers GET /api/v1/brands/:brand/campaigns/:campaign/links: the campaign's own entry
// point (label "") and its labelled links, each with its m.me URL and QR code addresses.
func (s *Server) apiCampaignLinks(c *fiber.Ctx) error {
	links, err := s.campaignStore(c).Links(c.UserContext(), c.Params("campaign"))
	if err != nil {
		return err
	}
	return c.JSON(listBody{Data: linkViews(links, apiLinksPrefix(c))})
}

// apiCreateCampaignLink answers POST /api/v1/brands/:brand/campaigns/:campaign/links {label}: 201 with the
// link, 422 naming "label" when it is empty, too long or already used.
func (s *Server) apiCreateCampaignLink(c *fiber.Ctx) error {
	var in campaigns.LinkInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	l, err := s.campaignStore(c).CreateLink(c.UserContext(), c.Params("campaign"), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(linkViews([]campaigns.Link{l}, apiLinksPrefix(c))[0])
}

// apiDeleteCampaignLink answers DELETE /api/v1/brands/:brand/campaigns/:campaign/links/:label.
func (s *Server) apiDeleteCampaignLink(c *fiber.Ctx) error {
	key, err := linkKey(c)
	if err != nil {
		return err
	}
	if err := s.campaignStore(c).DeleteLink(c.UserContext(), c.Params("campaign"), key); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
