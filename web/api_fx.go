package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/fx"
	"relance/tenancy"
)

// fxStore is the exchange-rate store.
func (s *Server) fxStore() *fx.Store { return fx.NewStore(s.DB, nil) }

// fxBoard reads the rates in force on the date query parameter (default today, UTC) against the agency's
// reporting currency.
func (s *Server) fxBoard(c *fiber.Ctx) (fx.Board, error) {
	day := c.Query("date")
	if day != "" {
		if _, err := time.Parse(time.DateOnly, day); err != nil {
			return fx.Board{}, &tenancy.ValidationError{Fields: map[string]string{"date": "must be a date YYYY-MM-DD"}}
		}
	}
	set, err := s.tenantStore(c).AgencySettings(c.UserContext())
	if err != nil {
		return fx.Board{}, err
	}
	return s.fxStore().Board(c.UserContext(), principalOf(c).TenantID, day, set.ReportingCurrency)
}

// apiFXRates answers GET /api/v1/fx/rates?date=: each currency's rate to the reporting currency that day.
func (s *Server) apiFXRates(c *fiber.Ctx) error {
	b, err := s.fxBoard(c)
	if err != nil {
		return err
	}
	return c.JSON(b)
}

// fxRatesInput is the body of POST /api/v1/fx/rates.
type fxRatesInput struct {
	Rates []fx.RateInput `json:"rates"`
}

// apiAddFXRates answers POST /api/v1/fx/rates: the agency's own rates, all or none.
func (s *Server) apiAddFXRates(c *fiber.Ctx) error {
	var in fxRatesInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.fxStore().AddManual(c.UserContext(), principalOf(c).TenantID, in.Rates)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(listBody{Data: out})
}
