package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// tokensView lists the user's API tokens; Secret is set once, right after creation.
type tokensView struct {
	Tokens []tenancy.APIToken
	Secret string
	Name   string
	Errors map[string]string
}

func (s *Server) renderTokens(c *fiber.Ctx, v tokensView) error {
	var err error
	if v.Tokens, err = s.tenantStore(c).Tokens(c.UserContext(), principalOf(c).User.ID); err != nil {
		return err
	}
	return s.renderPage(c, "tokens", "API tokens", v)
}

// tokensPage lists the user's tokens (GET /tokens).
func (s *Server) tokensPage(c *fiber.Ctx) error { return s.renderTokens(c, tokensView{}) }

// createToken creates a token and shows its secret once (POST /tokens).
func (s *Server) createToken(c *fiber.Ctx) error {
	v := tokensView{Name: c.FormValue("name")}
	_, secret, err := s.tenantStore(c).CreateToken(c.UserContext(), principalOf(c).User.ID, v.Name)
	if verr, ok := asValidation(err); ok {
		v.Errors = verr.Fields
		return s.renderTokens(c.Status(fiber.StatusUnprocessableEntity), v)
	}
	if err != nil {
		return err
	}
	return s.renderTokens(c, tokensView{Secret: secret})
}

// revokeToken revokes one of the user's tokens (POST /tokens/:token/revoke).
func (s *Server) revokeToken(c *fiber.Ctx) error {
	if err := s.tenantStore(c).RevokeToken(c.UserContext(), principalOf(c).User.ID, c.Params("token")); err != nil {
		return err
	}
	s.flash(c, "Token revoked.")
	return c.Redirect("/tokens", fiber.StatusSeeOther)
}
