package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"relance/reports"
)

// closeMonthForm closes a month from the finance screen (POST /finance/months/:month/close).
func (s *Server) closeMonthForm(c *fiber.Ctx) error { return s.monthForm(c, true) }

// reopenMonthForm reopens a month from the finance screen (POST /finance/months/:month/reopen).
func (s *Server) reopenMonthForm(c *fiber.Ctx) error { return s.monthForm(c, false) }

func (s *Server) monthForm(c *fiber.Ctx, closing bool) error {
	month := c.Params("month")
	if _, err := s.monthAction(c, closing); err != nil {
		return monthError(err)
	}
	if closing {
		s.flash(c, "Month "+month+" closed: its figures and exports will not change.")
	} else {
		s.flash(c, "Month "+month+" reopened.")
	}
	return c.Redirect("/finance?month="+url.QueryEscape(month), fiber.StatusSeeOther)
}

// spendSyncForm pulls the last 28 days of spend from the finance screen (POST /finance/spend/sync).
func (s *Server) spendSyncForm(c *fiber.Ctx) error {
	j, err := s.startSpendSync(c, reports.SyncRequest{})
	if err != nil {
		return err
	}
	s.flash(c, "Spend sync started for the last 28 days; reload to see its outcome.")
	return c.Redirect("/finance?month="+url.QueryEscape(c.FormValue("month"))+"&job="+url.QueryEscape(j.ID), fiber.StatusSeeOther)
}
