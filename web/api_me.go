package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// apiMe answers GET /api/v1/me.
func (s *Server) apiMe(c *fiber.Ctx) error {
	p := principalOf(c)
	t, err := s.Store.TenantByID(c.UserContext(), p.TenantID)
	if err != nil {
		return err
	}
	roles := s.Store.Authz().Bindings(p.TenantID, p.User.ID)
	if roles == nil {
		roles = []tenancy.Binding{}
	}
	return c.JSON(fiber.Map{
		"user":   fiber.Map{"id": p.User.ID, "email": p.User.Email, "name": p.User.Name},
		"tenant": fiber.Map{"id": t.ID, "slug": t.Slug, "name": t.Name},
		"roles":  roles,
	})
}
