package web

import (
	"github.com/gofiber/fiber/v2"
)

// revokeUserToken revokes one of a user's API tokens from the user screen (POST /users/:user/tokens/:token/revoke).
func (s *Server) revokeUserToken(c *fiber.Ctx) error {
	if err := s.tenantStore(c).RevokeUserToken(c.UserContext(), c.Params("user"), c.Params("token")); err != nil {
		return err
	}
	s.flash(c, "API token revoked: programs using it no longer get in.")
	return c.Redirect(userActionBack(c), fiber.StatusSeeOther)
}
