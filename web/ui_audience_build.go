package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"relance/audiences"
)

// buildAudience builds a new snapshot of a rule audience now and goes back to its page with the result
// (POST /brands/:brand/audiences/:audience/build).
func (s *Server) buildAudience(c *fiber.Ctx) error {
	b, id := brandOf(c), c.Params("audience")
	back := "/brands/" + b.ID + "/audiences/" + id
	st := s.audienceStore(c)
	snap, err := st.Build(c.UserContext(), id, audiences.CauseManual)
	if isConflictErr(err) {
		_, msg, _ := classify(err)
		s.flash(c, "Not built: "+msg+".")
		return c.Redirect(back, fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	if a, err := st.Get(c.UserContext(), id); err == nil {
		s.syncAfterBuild(c, a)
	}
	s.flash(c, fmt.Sprintf("Snapshot #%d built: %d members (+%d −%d) in %d ms.", snap.Seq, snap.Size, snap.Added, snap.Removed, snap.DurationMS))
	return c.Redirect(back, fiber.StatusSeeOther)
}
