package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// passwordReset is the answer to POST /api/v1/users/:user/password-reset: the one-time link to hand over.
type passwordReset struct {
	ResetURL  string    `json:"reset_url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// apiDisableUser answers POST /api/v1/users/:user/disable.
func (s *Server) apiDisableUser(c *fiber.Ctx) error {
	ts := s.tenantStore(c)
	u, err := ts.DisableUser(c.UserContext(), c.Params("user"))
	if err != nil {
		return err
	}
	return c.JSON(s.userView(ts.ID(), u))
}

// apiEnableUser answers POST /api/v1/users/:user/enable.
func (s *Server) apiEnableUser(c *fiber.Ctx) error {
	ts := s.tenantStore(c)
	u, err := ts.EnableUser(c.UserContext(), c.Params("user"))
	if err != nil {
		return err
	}
	return c.JSON(s.userView(ts.ID(), u))
}

// apiResetPassword answers POST /api/v1/users/:user/password-reset.
func (s *Server) apiResetPassword(c *fiber.Ctx) error {
	out, err := s.startPasswordReset(c)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// startPasswordReset ends the user's password and returns the link through which they choose a new one.
func (s *Server) startPasswordReset(c *fiber.Ctx) (passwordReset, error) {
	secret, expires, err := s.tenantStore(c).StartPasswordReset(c.UserContext(), c.Params("user"))
	if err != nil {
		return passwordReset{}, err
	}
	base := strings.TrimRight(s.PublicURL, "/")
	if base == "" {
		base = c.BaseURL()
	}
	return passwordReset{ResetURL: base + "/password-reset/" + secret, ExpiresAt: expires}, nil
}
