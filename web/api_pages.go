package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// apiPages answers GET /api/v1/brands/:brand/pages.
func (s *Server) apiPages(c *fiber.Ctx) error {
	rows, err := s.tenantStore(c).Pages(c.UserContext(), brandOf(c).ID)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []tenancy.Page{}
	}
	return c.JSON(listBody{Data: rows})
}

// apiConnectPage answers POST /api/v1/brands/:brand/pages.
func (s *Server) apiConnectPage(c *fiber.Ctx) error {
	var in tenancy.PageInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := s.tenantStore(c).ConnectPage(c.UserContext(), brandOf(c).ID, in)
	if err != nil {
		return err
	}
	// The Page stays connected when Meta refuses the subscription; the answer says so.
	return c.Status(fiber.StatusCreated).JSON(struct {
		tenancy.Page
		Webhooks pageWebhooks `json:"webhooks"`
	}{p, s.subscribePage(c.UserContext(), p.PageID, in.AccessToken)})
}

// apiDisconnectPage answers DELETE /api/v1/brands/:brand/pages/:page.
func (s *Server) apiDisconnectPage(c *fiber.Ctx) error {
	if err := s.tenantStore(c).DisconnectPage(c.UserContext(), brandOf(c).ID, c.Params("page")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
