package web

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"relance/campaigns"
	"relance/tenancy"
)

// campaignTestSend sends a test from the campaign page (POST /brands/:brand/campaigns/:campaign/test, form
// contact_id and variant) and says how it went.
func (s *Server) campaignTestSend(c *fiber.Ctx) error {
	back := "/brands/" + brandOf(c).ID + "/campaigns/" + c.Params("campaign") + "#test"
	if s.Graph == nil {
		s.flash(c, "Not sent: Meta is not configured on this instance.")
		return c.Redirect(back, fiber.StatusSeeOther)
	}
	in := campaigns.TestInput{ContactID: c.FormValue("contact_id"), Variant: c.FormValue("variant")}
	ts, err := s.campaignStore(c).SendTest(context.WithoutCancel(c.UserContext()), c.Params("campaign"), in, s.sendOptions(c))
	var ve *tenancy.ValidationError
	switch {
	case errors.As(err, &ve):
		s.flash(c, "Not sent: "+ve.Error())
	case isConflictErr(err):
		s.flash(c, "Not sent: "+conflictMessage(err))
	case err != nil:
		return err
	case ts.Status == campaigns.SendSent:
		s.flash(c, "Test sent: variant "+ts.Variant+" to "+ts.PSID+".")
	case ts.Status == campaigns.SendUnknown:
		s.flash(c, "Test sent, Meta's answer was lost: its echo will confirm it.")
	default:
		s.flash(c, "Test not delivered ("+ts.Status+"): "+ts.Reason)
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}
