package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// resetFormView is the choose-a-new-password form of a reset link.
type resetFormView struct {
	Token  string
	Email  string
	Errors map[string]string
	// Invited is a user who never logged in: the link is their invitation.
	Invited bool
}

// passwordResetPage shows the form of a live reset link, or says the link is spent (GET /password-reset/:token).
// The link's secret is the credential, so the form needs no session and no other CSRF token.
func (s *Server) passwordResetPage(c *fiber.Ctx) error {
	u, err := s.Store.ResetUser(c.UserContext(), c.Params("token"))
	if errors.Is(err, tenancy.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "this password-reset link was used, has expired or never existed: ask your administrator for a new one")
	}
	if err != nil {
		return err
	}
	c.Set("Referrer-Policy", "no-referrer") // the path is a secret
	return s.renderPage(c, "password_reset", "Choose a password", resetFormView{Token: c.Params("token"), Email: u.Email,
		Invited: u.LastLoginAt == nil})
}

// completePasswordReset sets the chosen password and sends the user to log in (POST /password-reset/:token).
func (s *Server) completePasswordReset(c *fiber.Ctx) error {
	v := resetFormView{Token: c.Params("token")}
	next := c.FormValue("new_password")
	if next != c.FormValue("confirm_password") {
		v.Errors = map[string]string{"confirm_password": "does not match the new password"}
	}
	var err error
	if v.Errors == nil {
		var u tenancy.User
		u, err = s.Store.CompletePasswordReset(c.UserContext(), v.Token, next)
		v.Email = u.Email
	}
	if errors.Is(err, tenancy.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "this password-reset link was used, has expired or never existed: ask your administrator for a new one")
	}
	if verr, ok := asValidation(err); ok {
		v.Errors = verr.Fields
	} else if err != nil {
		return err
	}
	if v.Errors != nil {
		return s.renderPage(c.Status(fiber.StatusUnprocessableEntity), "password_reset", "Choose a password", v)
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}
