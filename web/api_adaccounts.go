package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// apiAdAccounts answers GET /api/v1/brands/:brand/ad-accounts.
func (s *Server) apiAdAccounts(c *fiber.Ctx) error {
	rows, err := s.tenantStore(c).AdAccounts(c.UserContext(), brandOf(c).ID)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []tenancy.AdAccount{}
	}
	return c.JSON(listBody{Data: rows})
}

// apiAddAdAccount answers POST /api/v1/brands/:brand/ad-accounts.
func (s *Server) apiAddAdAccount(c *fiber.Ctx) error {
	var in tenancy.AdAccountInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a, err := s.tenantStore(c).AddAdAccount(c.UserContext(), brandOf(c).ID, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}

// apiRemoveAdAccount answers DELETE /api/v1/brands/:brand/ad-accounts/:account.
func (s *Server) apiRemoveAdAccount(c *fiber.Ctx) error {
	if err := s.tenantStore(c).RemoveAdAccount(c.UserContext(), brandOf(c).ID, c.Params("account")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
