package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// usersView is the agency's user list.
type usersView struct {
	Users []userView
	Next  string
}

// usersPage lists the agency's users with their roles (GET /users).
func (s *Server) usersPage(c *fiber.Ctx) error {
	cur, err := cursorOf(c)
	if err != nil {
		return err
	}
	cur.Limit = 25
	p := principalOf(c)
	rows, next, err := s.tenantStore(c).Users(c.UserContext(), cur)
	if err != nil {
		return err
	}
	v := usersView{Next: next}
	for _, u := range rows {
		v.Users = append(v.Users, s.userView(p.TenantID, u))
	}
	return s.renderPage(c, "users/list", "Users", v)
}

// userForm is the create-a-user form (agency-wide, or brand roles only on a brand's people screen).
type userForm struct {
	Email          string
	Name           string
	Role           string
	BrandID        string
	Access         string // invite (a one-time link) or password (a one-time password)
	Errors         map[string]string
	Brands         []tenancy.Brand
	TenantRoles    []string
	BrandRoles     []string
	BrandRolesOnly bool
}

// allBrands lists every brand of the tenant for pickers (agency admins only reach those screens).
func (s *Server) allBrands(c *fiber.Ctx) ([]tenancy.Brand, error) {
	return s.brandsIn(c, tenancy.Visible{All: true})
}

func (s *Server) renderUserForm(c *fiber.Ctx, f userForm) error {
	var err error
	if f.Brands, err = s.allBrands(c); err != nil {
		return err
	}
	f.TenantRoles, f.BrandRoles = tenancy.TenantRoles, tenancy.BrandRoles
	return s.renderPage(c, "users/form", "New user", f)
}

// userNewPage shows the create-a-user form (GET /users/new).
func (s *Server) userNewPage(c *fiber.Ctx) error {
	return s.renderUserForm(c, userForm{Role: tenancy.RoleAnalyst})
}

// createUser creates a user with an invitation link or a one-time password to hand over (POST /users).
func (s *Server) createUser(c *fiber.Ctx) error {
	f := userForm{Email: c.FormValue("email"), Name: c.FormValue("name"), Role: c.FormValue("role"), BrandID: c.FormValue("brand_id"),
		Access: c.FormValue("access")}
	if tenancy.IsTenantRole(f.Role) {
		f.BrandID = "" // the brand picker may still hold a value when an agency role is chosen
	}
	out, err := s.createUserFrom(c, userInput{Email: f.Email, Name: f.Name, Role: f.Role, BrandID: f.BrandID, Invite: f.Access == "invite"})
	if v, ok := asValidation(err); ok {
		f.Errors = v.Fields
		return s.renderUserForm(c.Status(fiber.StatusUnprocessableEntity), f)
	}
	if err != nil {
		return err
	}
	return s.renderPage(c, "users/created", "User created", out)
}
