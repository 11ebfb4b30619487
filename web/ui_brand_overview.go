package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// brandOverview adds the brand page's charts for those who read its reports: days in the brand's zone,
// amounts in the agency's reporting currency, or the brand's own with ?currency= set to it.
func (s *Server) brandOverview(c *fiber.Ctx, v *brandView) error {
	p, b := principalOf(c), v.Brand
	if !s.Store.Authz().Can(p.TenantID, p.User.ID, b.ID, tenancy.PermReportsRead) {
		return nil
	}
	set, err := s.tenantStore(c).AgencySettings(c.UserContext())
	if err != nil {
		return err
	}
	cur := set.ReportingCurrency
	switch q := c.Query("currency"); q {
	case "", cur:
	case b.Currency:
		cur = q
	default:
		why := "must be " + set.ReportingCurrency + " or " + b.Currency
		return &requestError{Status: fiber.StatusUnprocessableEntity, Message: "currency " + why, Fields: map[string]string{"currency": why}}
	}
	sc := DashScope{TenantID: p.TenantID, BrandIDs: []string{b.ID}, Zone: b.Timezone}
	base := "/brands/" + b.ID + "?"
	if cur != set.ReportingCurrency {
		base += "currency=" + cur + "&"
	}
	v.Overview, err = s.overviewOf(c, sc, cur, base, "brand", map[string]string{b.ID: b.Name})
	if v.Overview != nil && b.Currency != set.ReportingCurrency {
		v.Overview.Currencies = []string{set.ReportingCurrency, b.Currency}
	}
	return err
}
