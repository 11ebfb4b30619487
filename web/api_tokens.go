package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// apiTokens answers GET /api/v1/tokens.
func (s *Server) apiTokens(c *fiber.Ctx) error {
	rows, err := s.tenantStore(c).Tokens(c.UserContext(), principalOf(c).User.ID)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []tenancy.APIToken{}
	}
	return c.JSON(listBody{Data: rows})
}

// tokenInput is the body of POST /api/v1/tokens.
type tokenInput struct {
	Name string `json:"name"`
}

// apiCreateToken answers POST /api/v1/tokens; the secret is in this response only.
func (s *Server) apiCreateToken(c *fiber.Ctx) error {
	var in tokenInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	tok, secret, err := s.tenantStore(c).CreateToken(c.UserContext(), principalOf(c).User.ID, in.Name)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"token": tok, "secret": secret})
}

// apiRevokeToken answers DELETE /api/v1/tokens/:token.
func (s *Server) apiRevokeToken(c *fiber.Ctx) error {
	if err := s.tenantStore(c).RevokeToken(c.UserContext(), principalOf(c).User.ID, c.Params("token")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
