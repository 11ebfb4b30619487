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
	return passwordReset{ResetURL: s.linkBase(c) + "/password-reset/" + secret, ExpiresAt: expires}, nil
}

// linkBase prefixes the links relance hands out: http.public_url, or the request's own address.
func (s *Server) linkBase(c *fiber.Ctx) string {
	if base := strings.TrimRight(s.PublicURL, "/"); base != "" {
		return base
	}
	return c.BaseURL()
}

// apiRevokeUserToken answers DELETE /api/v1/users/:user/tokens/:token: an admin revokes a user's API token.
func (s *Server) apiRevokeUserToken(c *fiber.Ctx) error {
	if err := s.tenantStore(c).RevokeUserToken(c.UserContext(), c.Params("user"), c.Params("token")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
