package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// agencyOverview adds the home screen's charts: all brands in the agency's zone for those who read every
// brand's reports, else the user's own brands (one brand: in its zone), amounts in the reporting currency.
func (s *Server) agencyOverview(c *fiber.Ctx, v *dashboardView) error {
	vis := s.visibleBrands(c, tenancy.PermReportsRead)
	if !vis.All && len(vis.IDs) == 0 {
		return nil
	}
	set, err := s.tenantStore(c).AgencySettings(c.UserContext())
	if err != nil {
		return err
	}
	brands, err := s.brandsIn(c, vis)
	if err != nil {
		return err
	}
	names := make(map[string]string, len(brands))
	for _, b := range brands {
		names[b.ID] = b.Name
	}
	sc := DashScope{TenantID: principalOf(c).TenantID, All: vis.All, BrandIDs: vis.IDs, Zone: set.TimeZone}
	v.OverviewTitle = "Agency overview"
	if !vis.All {
		v.OverviewTitle = "Your brands"
		if len(brands) == 1 {
			v.OverviewTitle, sc.Zone = brands[0].Name, brands[0].Timezone
		}
	}
	v.Overview, err = s.overviewOf(c, sc, set.ReportingCurrency, "/?", "agency", names)
	return err
}
