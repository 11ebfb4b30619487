package web

import (
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"relance/campaigns"
	"relance/tenancy"
)

// createCampaignLink adds a labelled link from the campaign page (POST /brands/:brand/campaigns/:campaign/links);
// a refused label re-renders the page with 422 and the reason under the field.
func (s *Server) createCampaignLink(c *fiber.Ctx) error {
	b, id := brandOf(c), c.Params("campaign")
	label := c.FormValue("label")
	_, err := s.campaignStore(c).CreateLink(c.UserContext(), id, campaigns.LinkInput{Label: label})
	var ve *tenancy.ValidationError
	if errors.As(err, &ve) {
		v, verr := s.campaignViewOf(c)
		if verr != nil {
			return verr
		}
		v.LinkLabel, v.LinkErrors = label, ve.Fields
		return s.renderPage(c.Status(fiber.StatusUnprocessableEntity), "campaigns/show", v.Campaign.Name, v)
	}
	if err != nil {
		return err
	}
	s.flash(c, "Link added.")
	return c.Redirect("/brands/"+b.ID+"/campaigns/"+id+"#links", fiber.StatusSeeOther)
}

// deleteCampaignLink removes a labelled link (POST /brands/:brand/campaigns/:campaign/links/:label/delete).
func (s *Server) deleteCampaignLink(c *fiber.Ctx) error {
	b, id := brandOf(c), c.Params("campaign")
	key, err := linkKey(c)
	if err != nil {
		return err
	}
	if err := s.campaignStore(c).DeleteLink(c.UserContext(), id, key); err != nil {
		return err
	}
	s.flash(c, "Link deleted.")
	return c.Redirect("/brands/"+b.ID+"/campaigns/"+url.PathEscape(id)+"#links", fiber.StatusSeeOther)
}
