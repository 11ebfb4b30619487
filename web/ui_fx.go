package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/fx"
	"relance/tenancy"
)

// fxView is the exchange-rates screen: the rates in force on a day, the form for the agency's own rates,
// and the reporting settings.
type fxView struct {
	Board    fx.Board
	Settings tenancy.AgencySettings
	Form     fx.RateInput
	Errors   map[string]string
	// CanWrite shows the forms (spend:write); CanSettings the reporting-currency form (settings:write).
	CanWrite, CanSettings bool
	Zones, Currs          []string
}

func (s *Server) renderFX(c *fiber.Ctx, v fxView) error {
	var err error
	if v.Board, err = s.fxBoard(c); err != nil {
		if ve, ok := asValidation(err); ok {
			v.Errors = ve.Fields
			c.Status(fiber.StatusUnprocessableEntity)
			v.Board, err = s.fxStore().Board(c.UserContext(), principalOf(c).TenantID, "", "")
		}
		if err != nil {
			return err
		}
	}
	if v.Settings, err = s.tenantStore(c).AgencySettings(c.UserContext()); err != nil {
		return err
	}
	p, az := principalOf(c), s.Store.Authz()
	v.CanWrite = az.Can(p.TenantID, p.User.ID, "", tenancy.PermSpendWrite)
	v.CanSettings = az.Can(p.TenantID, p.User.ID, "", tenancy.PermSettingsWrite)
	v.Zones, v.Currs = commonZones, commonCurrencies
	if v.Form.Date == "" {
		v.Form.Date = v.Board.Day
	}
	if v.Form.Quote == "" {
		v.Form.Base = v.Settings.ReportingCurrency
	}
	return s.renderPage(c, "fx", "Exchange rates", v)
}

// fxPage shows the rates (GET /fx?date=).
func (s *Server) fxPage(c *fiber.Ctx) error { return s.renderFX(c, fxView{}) }
