package web

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"relance/campaigns"
	"relance/tenancy"
)

// campaignApplyWinner applies the A/B winner from the campaign page (POST
// /brands/:brand/campaigns/:campaign/results/apply-winner, htmx): the results section comes back saying what
// changed, or why nothing did. Without htmx the campaign page is shown again with the message.
func (s *Server) campaignApplyWinner(c *fiber.Ctx) error {
	cp, res, err := s.campaignStore(c).ApplyWinner(c.UserContext(), c.Params("campaign"), campaigns.WinnerInput{})
	var ve *tenancy.ValidationError
	var msg string
	switch {
	case errors.As(err, &ve):
		msg = "Not applied: " + ve.Error()
	case isConflictErr(err):
		msg = "Not applied: " + conflictMessage(err)
	case err != nil:
		return err
	default:
		msg = "Applied: variant " + res.Winner + " now gets all future sends (version " + strconv.FormatInt(cp.Version, 10) + ", " + cp.State + ")."
	}
	if c.Get("HX-Request") == "" {
		s.flash(c, msg)
		return c.Redirect("/brands/"+brandOf(c).ID+"/campaigns/"+c.Params("campaign")+"#results", fiber.StatusSeeOther)
	}
	r, err := s.campaignResults(c)
	if err != nil {
		return err
	}
	return s.renderPart(c, "campaigns/results", s.resultsViewOf(c, r, msg))
}
