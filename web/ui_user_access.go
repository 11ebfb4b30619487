package web

import (
	"github.com/gofiber/fiber/v2"
)

// userActionBack is where a user action returns: the screen it was started from (a brand's people, for brand
// admins) or the user's own screen.
func userActionBack(c *fiber.Ctx) string {
	if back := safeNext(c.FormValue("back")); back != "/" {
		return back
	}
	return "/users/" + c.Params("user")
}

// disableUser disables a user from the users screens (POST /users/:user/disable).
func (s *Server) disableUser(c *fiber.Ctx) error {
	u, err := s.tenantStore(c).DisableUser(c.UserContext(), c.Params("user"))
	if err != nil {
		return err
	}
	s.flash(c, u.Email+" is disabled: their sessions and API tokens no longer work.")
	return c.Redirect(userActionBack(c), fiber.StatusSeeOther)
}

// enableUser lets a disabled user in again (POST /users/:user/enable).
func (s *Server) enableUser(c *fiber.Ctx) error {
	u, err := s.tenantStore(c).EnableUser(c.UserContext(), c.Params("user"))
	if err != nil {
		return err
	}
	s.flash(c, u.Email+" can log in again.")
	return c.Redirect(userActionBack(c), fiber.StatusSeeOther)
}

// passwordResetView is the one-time link to hand over after a reset.
type passwordResetView struct {
	passwordReset
	Email string
	Back  string
}

// resetUserPassword ends a user's password and shows the link to choose a new one (POST /users/:user/password-reset).
func (s *Server) resetUserPassword(c *fiber.Ctx) error {
	u, err := s.tenantStore(c).ManagedUser(c.UserContext(), c.Params("user"))
	if err != nil {
		return err
	}
	out, err := s.startPasswordReset(c)
	if err != nil {
		return err
	}
	return s.renderPage(c, "users/reset", "Password reset", passwordResetView{passwordReset: out, Email: u.Email, Back: userActionBack(c)})
}
