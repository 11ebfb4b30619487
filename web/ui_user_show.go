package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// userPageView is one user with their roles and the grant form.
type userPageView struct {
	User      userView
	BrandName map[string]string
	Form      userForm
	// Tokens are the user's live API tokens, which an admin may revoke.
	Tokens []tenancy.APIToken
}

func (s *Server) renderUser(c *fiber.Ctx, f userForm) error {
	u, err := s.tenantStore(c).User(c.UserContext(), c.Params("user"))
	if err != nil {
		return err
	}
	toks, err := s.tenantStore(c).Tokens(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	live := toks[:0]
	for _, tok := range toks {
		if tok.RevokedAt == nil {
			live = append(live, tok)
		}
	}
	brands, err := s.allBrands(c)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, b := range brands {
		names[b.ID] = b.Name
	}
	f.Brands, f.TenantRoles, f.BrandRoles = brands, tenancy.TenantRoles, tenancy.BrandRoles
	return s.renderPage(c, "users/show", u.Email, userPageView{User: s.userView(principalOf(c).TenantID, u), BrandName: names, Form: f,
		Tokens: live})
}

// userPage shows a user's roles (GET /users/:user).
func (s *Server) userPage(c *fiber.Ctx) error {
	return s.renderUser(c, userForm{Role: tenancy.RoleBrandViewer})
}

// grantRole grants a role from the user screen (POST /users/:user/roles).
func (s *Server) grantRole(c *fiber.Ctx) error {
	f := userForm{Role: c.FormValue("role"), BrandID: c.FormValue("brand_id")}
	if tenancy.IsTenantRole(f.Role) {
		f.BrandID = ""
	}
	err := s.tenantStore(c).GrantRole(c.UserContext(), c.Params("user"), f.Role, f.BrandID)
	if v, ok := asValidation(err); ok {
		f.Errors = v.Fields
		return s.renderUser(c.Status(fiber.StatusUnprocessableEntity), f)
	}
	if err != nil {
		return err
	}
	s.flash(c, "Role granted.")
	return c.Redirect("/users/"+c.Params("user"), fiber.StatusSeeOther)
}

// revokeRole revokes a role from the user screen (POST /users/:user/roles/revoke).
func (s *Server) revokeRole(c *fiber.Ctx) error {
	if err := s.tenantStore(c).RevokeRole(c.UserContext(), c.Params("user"), c.FormValue("role"), c.FormValue("brand_id")); err != nil {
		return err
	}
	s.flash(c, "Role revoked.")
	return c.Redirect("/users/"+c.Params("user"), fiber.StatusSeeOther)
}
