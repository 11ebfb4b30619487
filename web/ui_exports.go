package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"relance/reports"
	"relance/tenancy"
)

// createExportForm schedules a spend export from the finance screen (POST /finance/exports: name, cron,
// format, period, keep; bom=1 for a CSV made for Excel in a decimal-comma locale: BOM, ; and decimal comma).
func (s *Server) createExportForm(c *fiber.Ctx) error {
	in := reports.ScheduleInput{Name: c.FormValue("name"), Cron: c.FormValue("cron"), Format: c.FormValue("format"),
		Params: reports.ExportParams{Period: c.FormValue("period")}}
	if c.FormValue("bom") == "1" {
		in.Params.BOM, in.Params.Sep, in.Params.Decimal = true, ";", "comma"
	}
	if k := c.FormValue("keep"); k != "" {
		n, err := strconv.Atoi(k)
		if err != nil {
			return &tenancy.ValidationError{Fields: map[string]string{"keep": "must be a whole number"}}
		}
		in.Keep = n
	}
	set, err := s.tenantStore(c).AgencySettings(c.UserContext())
	if err != nil {
		return err
	}
	v, err := s.exportsOf(c).Create(c.UserContext(), in, set.TimeZone, set.ReportingCurrency)
	if err != nil {
		return err
	}
	s.flash(c, "Export “"+v.Name+"” scheduled ("+v.Cron+", "+v.Timezone+").")
	return c.Redirect("/finance#exports", fiber.StatusSeeOther)
}

// deleteExportForm deletes a scheduled export and its files (POST /finance/exports/:export/delete).
func (s *Server) deleteExportForm(c *fiber.Ctx) error {
	if err := s.exportsOf(c).Delete(c.UserContext(), c.Params("export")); err != nil {
		return err
	}
	s.flash(c, "Scheduled export deleted with its files.")
	return c.Redirect("/finance#exports", fiber.StatusSeeOther)
}
