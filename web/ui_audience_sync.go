package web

import (
	"github.com/gofiber/fiber/v2"
)

// syncAudience starts a Meta sync of the audience and goes back to its page
// (POST /brands/:brand/audiences/:audience/sync).
func (s *Server) syncAudience(c *fiber.Ctx) error {
	b, id := brandOf(c), c.Params("audience")
	back := "/brands/" + b.ID + "/audiences/" + id
	a, err := s.audienceStore(c).Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	switch {
	case a.AdAccountID == "":
		s.flash(c, "Not synced: choose an ad account for this audience first.")
	case a.Latest == nil:
		s.flash(c, "Not synced: build the audience first.")
	default:
		if err := s.startSync(c, a.ID); err != nil {
			return err
		}
		s.flash(c, "Sync to Meta started; its progress shows below.")
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}
