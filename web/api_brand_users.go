package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// apiBrandUsers answers GET /api/v1/brands/:brand/users: the people holding a role on the brand.
func (s *Server) apiBrandUsers(c *fiber.Ctx) error {
	p := principalOf(c)
	users, _, err := s.tenantStore(c).BrandUsers(c.UserContext(), brandOf(c).ID)
	if err != nil {
		return err
	}
	out := make([]userView, 0, len(users))
	for _, u := range users {
		out = append(out, s.userView(p.TenantID, u))
	}
	return c.JSON(listBody{Data: out})
}

// brandUserInput is the body of POST /api/v1/brands/:brand/users; the brand comes from the path.
type brandUserInput struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Password string `json:"password"`
	Invite   bool   `json:"invite"`
}

// apiCreateBrandUser answers POST /api/v1/brands/:brand/users.
func (s *Server) apiCreateBrandUser(c *fiber.Ctx) error {
	var in brandUserInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if !tenancy.IsBrandRole(in.Role) {
		return &tenancy.ValidationError{Fields: map[string]string{"role": "must be brand_admin or brand_viewer"}}
	}
	out, err := s.createUserFrom(c, userInput{Email: in.Email, Name: in.Name, Role: in.Role, BrandID: brandOf(c).ID, Password: in.Password, Invite: in.Invite})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}
