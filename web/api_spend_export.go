package web

import (
	"bufio"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/reports"
	"relance/tenancy"
)

// contentTypes are the exports' media types.
var contentTypes = map[string]string{
	reports.FormatCSV:  "text/csv; charset=utf-8",
	reports.FormatXLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// apiSpendExportCSV answers GET /api/v1/finance/spend/export.csv.
func (s *Server) apiSpendExportCSV(c *fiber.Ctx) error { return s.spendExport(c, reports.FormatCSV) }

// apiSpendExportXLSX answers GET /api/v1/finance/spend/export.xlsx.
func (s *Server) apiSpendExportXLSX(c *fiber.Ctx) error { return s.spendExport(c, reports.FormatXLSX) }

// spendExportQuery reads an export's parameters: from and to (or month=YYYY-MM for a whole month), brand,
// ad_account, currency (default the agency's reporting currency), and for CSV bom=1, sep=; and decimal=comma.
func (s *Server) spendExportQuery(c *fiber.Ctx) (reports.SpendExport, reports.CSVOptions, error) {
	q := reports.SpendExport{From: c.Query("from"), To: c.Query("to"), BrandID: c.Query("brand"), AdAccountID: c.Query("ad_account"),
		Reporting: c.Query("currency")}
	bad := map[string]string{}
	if m := c.Query("month"); m != "" {
		if !reports.ValidMonth(m) || q.From != "" || q.To != "" {
			bad["month"] = "must be a month YYYY-MM, instead of from and to"
		} else {
			start, _ := time.Parse("2006-01", m)
			q.From, q.To = start.Format(time.DateOnly), start.AddDate(0, 1, -1).Format(time.DateOnly)
		}
	}
	o := csvOptionsOf(c, bad)
	if len(bad) > 0 {
		return q, o, &tenancy.ValidationError{Fields: bad}
	}
	if q.Reporting == "" {
		set, err := s.tenantStore(c).AgencySettings(c.UserContext())
		if err != nil {
			return q, o, err
		}
		q.Reporting = set.ReportingCurrency
	}
	return q, o, s.ledger(c).Validate(c.UserContext(), q)
}

// spendExport streams the ledger export: the parameters are checked before the status is sent, so that bad
// input is still a 422; the rows are then written as they are read.
func (s *Server) spendExport(c *fiber.Ctx, format string) error {
	q, o, err := s.spendExportQuery(c)
	if err != nil {
		return err
	}
	l, ctx := s.ledger(c), c.UserContext()
	reqID := fmt.Sprint(c.Locals(localRequestID)) // read now: the writer runs after the handler returned
	name := "spend-" + q.From + "-" + q.To
	if q.BrandID != "" {
		name += "-" + q.BrandID
	}
	if q.AdAccountID != "" {
		name += "-" + q.AdAccountID
	}
	c.Set(fiber.HeaderContentType, contentTypes[format])
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+"."+format+`"`)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		_, err := reports.WriteSpendExport(ctx, l, q, reports.Options{Format: format, CSV: o}, w)
		if err != nil {
			// The status is gone. A CSV says it is cut short in a last line; an XLSX is left unfinished, which
			// a spreadsheet refuses to open. The cause stays in the log.
			if format == reports.FormatCSV {
				_, _ = w.WriteString("# export stopped before the end: internal error, request id " + reqID + "\r\n")
			}
			s.Log.Error("spend export failed", "err", err, "request_id", reqID)
		}
		_ = w.Flush()
	})
	return nil
}
