package web

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"relance/campaigns"
)

// apiCampaignTest answers POST /api/v1/brands/:brand/campaigns/:campaign/test {contact_id, variant?}: one
// variant sent to one of the brand's test contacts (settings.test_contacts), not counted in any run. 201
// with the test send; 422 naming contact_id or variant; 409 when the contact's window is closed or the same
// test went this minute.
func (s *Server) apiCampaignTest(c *fiber.Ctx) error {
	if s.Graph == nil {
		return errNoSends
	}
	var in campaigns.TestInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	// The send goes on if the caller hangs up: its row is written, and its outcome must be recorded.
	ts, err := s.campaignStore(c).SendTest(context.WithoutCancel(c.UserContext()), c.Params("campaign"), in, s.sendOptions(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ts)
}
