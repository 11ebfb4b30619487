package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"relance/fx"
)

// addFXRate stores one of the agency's own rates from the form (POST /fx/rates).
func (s *Server) addFXRate(c *fiber.Ctx) error {
	in := fx.RateInput{Date: c.FormValue("date"), Base: c.FormValue("base"), Quote: c.FormValue("quote"), Rate: c.FormValue("rate")}
	_, err := s.fxStore().AddManual(c.UserContext(), principalOf(c).TenantID, []fx.RateInput{in})
	if v, ok := asValidation(err); ok {
		// The form holds one rate: its fields are named without the rates[0]. prefix.
		fields := map[string]string{}
		for k, msg := range v.Fields {
			fields[strings.TrimPrefix(k, "rates[0].")] = msg
		}
		return s.renderFX(c.Status(fiber.StatusUnprocessableEntity), fxView{Form: in, Errors: fields})
	}
	if err != nil {
		return err
	}
	s.flash(c, "Rate saved: on "+in.Date+", 1 "+in.Base+" = "+in.Rate+" "+in.Quote+".")
	return c.Redirect("/fx", fiber.StatusSeeOther)
}
