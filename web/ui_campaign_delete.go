package web

import (
	"github.com/gofiber/fiber/v2"
)

// deleteCampaign deletes a draft (POST /brands/:brand/campaigns/:campaign/delete); any other state is refused
// with the reason on the campaign page.
func (s *Server) deleteCampaign(c *fiber.Ctx) error {
	b := brandOf(c)
	err := s.campaignStore(c).Delete(c.UserContext(), c.Params("campaign"))
	if isConflictErr(err) {
		s.flash(c, conflictMessage(err))
		return c.Redirect("/brands/"+b.ID+"/campaigns/"+c.Params("campaign"), fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	s.flash(c, "Draft deleted.")
	return c.Redirect("/brands/"+b.ID+"/campaigns", fiber.StatusSeeOther)
}
