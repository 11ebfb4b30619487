package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/campaigns"
)

// campaignRunNow runs the slot of the current minute from the campaign page (POST
// /brands/:brand/campaigns/:campaign/runs) and shows the run; a refusal (the slot ran, the campaign is not
// running, Meta is not configured) comes back as a message.
func (s *Server) campaignRunNow(c *fiber.Ctx) error {
	back := "/brands/" + brandOf(c).ID + "/campaigns/" + c.Params("campaign")
	if s.Graph == nil {
		s.flash(c, "Not run: Meta is not configured on this instance.")
		return c.Redirect(back, fiber.StatusSeeOther)
	}
	runID, err := s.campaignStore(c).RunSlot(context.WithoutCancel(c.UserContext()), c.Params("campaign"),
		campaigns.SlotMinute(time.Now()), s.sendOptions(c))
	switch {
	case runID == "" && isConflictErr(err):
		s.flash(c, conflictMessage(err))
		return c.Redirect(back, fiber.StatusSeeOther)
	case runID == "" && err != nil:
		return err
	case err != nil:
		s.Log.Warn("run now: delivery stopped", "campaign", c.Params("campaign"), "run", runID, "err", err)
		s.flash(c, "The run started; its delivery stopped and resumes within a minute.")
	default:
		s.flash(c, "Run done.")
	}
	return c.Redirect(back+"?run="+runID+"#runs", fiber.StatusSeeOther)
}
