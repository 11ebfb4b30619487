package web

import (
	"github.com/gofiber/fiber/v2"
)

// deleteAudience deletes an audience and its snapshots (POST /brands/:brand/audiences/:audience/delete);
// while another audience's rule refers to it, it stays and the page says which.
func (s *Server) deleteAudience(c *fiber.Ctx) error {
	b, id := brandOf(c), c.Params("audience")
	st := s.audienceStore(c)
	a, err := st.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	if err := st.Delete(c.UserContext(), id); err != nil {
		if isConflictErr(err) {
			_, msg, _ := classify(err)
			s.flash(c, "Not deleted: "+msg+".")
			return c.Redirect("/brands/"+b.ID+"/audiences/"+id, fiber.StatusSeeOther)
		}
		return err
	}
	s.reloadSchedules(c.UserContext())
	s.flash(c, "Audience "+a.Name+" deleted.")
	return c.Redirect("/brands/"+b.ID+"/audiences", fiber.StatusSeeOther)
}
