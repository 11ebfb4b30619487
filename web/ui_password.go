package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// passwordView is the password form; Forced is set for a one-time password.
type passwordView struct {
	Forced bool
	Errors map[string]string
}

// passwordPage shows the password form (GET /account/password).
func (s *Server) passwordPage(c *fiber.Ctx) error {
	return s.renderPage(c, "password", "Change password", passwordView{Forced: principalOf(c).User.MustChangePassword})
}

// changePassword sets a new password and ends the user's other sessions (POST /account/password).
// With an API token it is refused: a leaked token must not be enough to take the account over, and a
// password is what a person types, in a browser session.
func (s *Server) changePassword(c *fiber.Ctx) error {
	p := principalOf(c)
	if !p.viaSession() {
		return errPasswordNeedsSession
	}
	v := passwordView{Forced: p.User.MustChangePassword}
	next := c.FormValue("new_password")
	if next != c.FormValue("confirm_password") {
		v.Errors = map[string]string{"confirm_password": "does not match the new password"}
		return s.renderPage(c.Status(fiber.StatusUnprocessableEntity), "password", "Change password", v)
	}
	err := s.Store.ChangePassword(c.UserContext(), p.User, c.FormValue("current_password"), next, p.Session.IDHash)
	if verr, ok := asValidation(err); ok {
		v.Errors = verr.Fields
		return s.renderPage(c.Status(fiber.StatusUnprocessableEntity), "password", "Change password", v)
	}
	if err != nil {
		return err
	}
	s.flash(c, "Your password was changed.")
	return c.Redirect("/", fiber.StatusSeeOther)
}

var errPasswordNeedsSession = fiber.NewError(fiber.StatusForbidden,
	"a password is changed from a browser session (log in, then Account › Password), not with an API token")

// asValidation unwraps a validation error for re-rendering a form with its messages.
func asValidation(err error) (*tenancy.ValidationError, bool) {
	var v *tenancy.ValidationError
	if err != nil && errors.As(err, &v) {
		return v, true
	}
	return nil, false
}
