package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// brandUsersView lists a brand's people and holds the invite form.
type brandUsersView struct {
	Brand   tenancy.Brand
	Users   []tenancy.User
	Roles   map[string][]string
	Form    userForm
	Created *userCreated
}

func (s *Server) renderBrandUsers(c *fiber.Ctx, f userForm, created *userCreated) error {
	b := brandOf(c)
	users, roles, err := s.tenantStore(c).BrandUsers(c.UserContext(), b.ID)
	if err != nil {
		return err
	}
	f.BrandRolesOnly = true
	return s.renderPage(c, "brands/users", b.Name+" · people", brandUsersView{Brand: b, Users: users, Roles: roles, Form: f, Created: created})
}

// brandUsersPage lists who holds a role on the brand (GET /brands/:brand/users).
func (s *Server) brandUsersPage(c *fiber.Ctx) error {
	return s.renderBrandUsers(c, userForm{Role: tenancy.RoleBrandViewer}, nil)
}

// createBrandUser invites a brand_admin or brand_viewer (POST /brands/:brand/users).
func (s *Server) createBrandUser(c *fiber.Ctx) error {
	f := userForm{Email: c.FormValue("email"), Name: c.FormValue("name"), Role: c.FormValue("role"), Access: c.FormValue("access")}
	if !tenancy.IsBrandRole(f.Role) {
		f.Errors = map[string]string{"role": "must be brand admin or brand viewer"}
		return s.renderBrandUsers(c.Status(fiber.StatusUnprocessableEntity), f, nil)
	}
	out, err := s.createUserFrom(c, userInput{Email: f.Email, Name: f.Name, Role: f.Role, BrandID: brandOf(c).ID, Invite: f.Access == "invite"})
	if v, ok := asValidation(err); ok {
		f.Errors = v.Fields
		return s.renderBrandUsers(c.Status(fiber.StatusUnprocessableEntity), f, nil)
	}
	if err != nil {
		return err
	}
	return s.renderBrandUsers(c, userForm{Role: tenancy.RoleBrandViewer}, &out)
}

// revokeBrandUser removes a user's roles on the brand (POST /brands/:brand/users/:user/revoke).
func (s *Server) revokeBrandUser(c *fiber.Ctx) error {
	b := brandOf(c)
	role := c.FormValue("role")
	if !tenancy.IsBrandRole(role) {
		return &tenancy.ValidationError{Fields: map[string]string{"role": "must be brand_admin or brand_viewer"}}
	}
	if err := s.tenantStore(c).RevokeRole(c.UserContext(), c.Params("user"), role, b.ID); err != nil {
		return err
	}
	s.flash(c, "Role revoked.")
	return c.Redirect("/brands/"+b.ID+"/users", fiber.StatusSeeOther)
}
