package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/campaigns"
)

// campaignPreviewView is the slot preview fragment of the campaign page.
type campaignPreviewView struct {
	BrandID, Timezone string
	Preview           campaigns.Preview
	Error             string
}

// campaignPreviewPart renders what the next slot would do (POST /brands/:brand/campaigns/:campaign/preview,
// htmx from the campaign page); nothing is sent.
func (s *Server) campaignPreviewPart(c *fiber.Ctx) error {
	b := brandOf(c)
	v := campaignPreviewView{BrandID: b.ID, Timezone: b.Timezone}
	p, err := s.campaignStore(c).PreviewSlot(c.UserContext(), c.Params("campaign"))
	switch {
	case isConflictErr(err):
		v.Error = conflictMessage(err)
	case err != nil:
		return err
	default:
		v.Preview = p
	}
	return s.renderPart(c, "campaigns/slot", v)
}
