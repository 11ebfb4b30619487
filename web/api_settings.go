package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// apiAgencySettings answers GET /api/v1/settings.
func (s *Server) apiAgencySettings(c *fiber.Ctx) error {
	set, err := s.tenantStore(c).AgencySettings(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(set)
}

// apiUpdateAgencySettings answers PATCH /api/v1/settings.
func (s *Server) apiUpdateAgencySettings(c *fiber.Ctx) error {
	var in tenancy.AgencySettingsInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	set, err := s.tenantStore(c).UpdateAgencySettings(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(set)
}
