package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// updateAgencySettings changes the reporting currency and zone from the exchange-rates screen
// (POST /settings/agency).
func (s *Server) updateAgencySettings(c *fiber.Ctx) error {
	cur, zone := c.FormValue("reporting_currency"), c.FormValue("time_zone")
	_, err := s.tenantStore(c).UpdateAgencySettings(c.UserContext(), tenancy.AgencySettingsInput{ReportingCurrency: &cur, TimeZone: &zone})
	if v, ok := asValidation(err); ok {
		return s.renderFX(c.Status(fiber.StatusUnprocessableEntity), fxView{Errors: v.Fields})
	}
	if err != nil {
		return err
	}
	s.flash(c, "Reporting settings saved.")
	return c.Redirect("/fx", fiber.StatusSeeOther)
}
