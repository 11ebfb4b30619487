package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// brandsView is the brand list.
type brandsView struct {
	Brands []tenancy.Brand
	Next   string
	CanNew bool
}

// brandsPage lists the brands the user may see (GET /brands).
func (s *Server) brandsPage(c *fiber.Ctx) error {
	cur, err := cursorOf(c)
	if err != nil {
		return err
	}
	cur.Limit = 25
	rows, next, err := s.tenantStore(c).Brands(c.UserContext(), s.visibleBrands(c, tenancy.PermBrandsRead), cur)
	if err != nil {
		return err
	}
	p := principalOf(c)
	return s.renderPage(c, "brands/list", "Brands", brandsView{Brands: rows, Next: next,
		CanNew: s.Store.Authz().Can(p.TenantID, p.User.ID, "", tenancy.PermBrandsWrite)})
}
