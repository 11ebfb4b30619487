package web

import "github.com/gofiber/fiber/v2"

// logout ends the session (POST /logout).
func (s *Server) logout(c *fiber.Ctx) error {
	if err := s.Store.DeleteSession(c.UserContext(), c.Cookies(sessionCookie)); err != nil {
		return err
	}
	s.clearSessionCookie(c)
	return c.Redirect("/login", fiber.StatusSeeOther)
}
