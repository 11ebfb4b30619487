package web

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"relance/campaigns"
)

// campaignAction takes a lifecycle action from the campaign page (POST /brands/:brand/campaigns/:campaign/<action>);
// reject reads its reason from the form. A refused action comes back as a message on the campaign page.
func (s *Server) campaignAction(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		b := brandOf(c)
		version, _ := strconv.ParseInt(c.FormValue("version"), 10, 64)
		cp, err := s.act(c, action, campaigns.ActInput{Reason: c.FormValue("reason"), Version: version})
		back := "/brands/" + b.ID + "/campaigns/" + c.Params("campaign")
		var se *campaigns.StateError
		var le *campaigns.LaunchError
		switch {
		case errors.As(err, &le):
			// Meta's error also stays on the campaign page until a launch succeeds.
			s.flash(c, "Not launched: "+stripPackages(le.Error())+".")
			return c.Redirect(back, fiber.StatusSeeOther)
		case errors.As(err, &se) || isConflictErr(err):
			s.flash(c, conflictMessage(err))
			return c.Redirect(back, fiber.StatusSeeOther)
		case err != nil:
			if v, ok := asValidation(err); ok {
				for k, msg := range v.Fields {
					s.flash(c, "Not done: "+k+" "+msg+".")
				}
				return c.Redirect(back, fiber.StatusSeeOther)
			}
			return err
		}
		s.flash(c, cp.Name+": "+action+" done, now "+cp.State+".")
		return c.Redirect(back, fiber.StatusSeeOther)
	}
}
