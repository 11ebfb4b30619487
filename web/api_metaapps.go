package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// apiMetaApps answers GET /api/v1/meta-apps.
func (s *Server) apiMetaApps(c *fiber.Ctx) error {
	rows, err := s.tenantStore(c).MetaApps(c.UserContext())
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []tenancy.MetaApp{}
	}
	return c.JSON(listBody{Data: rows})
}

// apiRegisterMetaApp answers POST /api/v1/meta-apps.
func (s *Server) apiRegisterMetaApp(c *fiber.Ctx) error {
	var in tenancy.MetaAppInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a, err := s.tenantStore(c).RegisterMetaApp(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}

// apiRemoveMetaApp answers DELETE /api/v1/meta-apps/:app.
func (s *Server) apiRemoveMetaApp(c *fiber.Ctx) error {
	if err := s.tenantStore(c).RemoveMetaApp(c.UserContext(), c.Params("app")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
