package web

import (
	"bufio"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"relance/reports"
	"relance/tenancy"
)

// reportParams are the query parameters a report takes; exports add the CSV options.
var (
	reportParams = []string{"from", "to", "group", "brand", "campaign", "model", "window", "currency"}
	exportParams = []string{"bom", "sep", "decimal"}
)

// reportQuery reads a report's parameters, strictly: an unknown parameter, a value that is not plain text or
// a window that is not a number is a 422 naming it. The caller's scope is the brands it may read reports
// of; a brand or campaign beyond it is answered as one that does not exist (the engine's check).
func (s *Server) reportQuery(c *fiber.Ctx, export bool) (reports.Query, reports.CSVOptions, error) {
	bad := map[string]string{}
	allowed := map[string]bool{}
	for _, p := range reportParams {
		allowed[p] = true
	}
	if export {
		for _, p := range exportParams {
			allowed[p] = true
		}
	}
	for k, v := range c.Queries() {
		switch {
		case !allowed[k]:
			bad[k] = "is not a parameter of reports"
		case !plainText(v) || len(v) > 200:
			bad[k] = "must be plain text of at most 200 characters"
		}
	}
	p := principalOf(c)
	all, ids := s.Store.Authz().Brands(p.TenantID, p.User.ID, tenancy.PermReportsRead)
	q := reports.Query{From: c.Query("from"), To: c.Query("to"), Group: c.Query("group"), Brand: c.Query("brand"),
		Campaign: c.Query("campaign"), Model: c.Query("model"), Currency: c.Query("currency"), AllBrands: all, Brands: ids}
	if w := c.Query("window"); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil || n <= 0 {
			bad["window"] = "must be 1, 7 or 28 (days after the touch)"
		}
		q.Window = n
	}
	var o reports.CSVOptions
	if export {
		o = csvOptionsOf(c, bad)
	}
	if len(bad) > 0 {
		return q, o, &tenancy.ValidationError{Fields: bad}
	}
	if q.Currency == "" {
		set, err := s.tenantStore(c).AgencySettings(c.UserContext())
		if err != nil {
			return q, o, err
		}
		q.Currency = set.ReportingCurrency
	}
	q, err := s.reportEngine().Check(c.UserContext(), p.TenantID, q)
	return q, o, err
}

// csvOptionsOf reads bom=1, sep=; and decimal=comma, naming a bad one in bad.
func csvOptionsOf(c *fiber.Ctx, bad map[string]string) reports.CSVOptions {
	var o reports.CSVOptions
	switch c.Query("bom") {
	case "", "0":
	case "1":
		o.BOM = true
	default:
		bad["bom"] = "must be 1 or 0"
	}
	switch c.Query("sep") {
	case "", ",":
	case ";":
		o.Sep = ';'
	default:
		bad["sep"] = "must be , or ;"
	}
	switch c.Query("decimal") {
	case "", "point":
	case "comma":
		o.DecimalComma = true
	default:
		bad["decimal"] = "must be point or comma"
	}
	return o
}

// reportEngine is the report engine over the server's database.
func (s *Server) reportEngine() *reports.Engine { return reports.NewEngine(s.DB) }

// apiReport answers GET /api/v1/reports: spend, conversations, conversions and their ratios grouped by
// brand, campaign, variant, ad, link, day or month, in one currency.
func (s *Server) apiReport(c *fiber.Ctx) error {
	q, _, err := s.reportQuery(c, false)
	if err != nil {
		return err
	}
	rep, err := s.reportEngine().Report(c.UserContext(), principalOf(c).TenantID, q)
	if err != nil {
		return err
	}
	return c.JSON(rep)
}

// apiReportExportCSV answers GET /api/v1/reports/export.csv.
func (s *Server) apiReportExportCSV(c *fiber.Ctx) error { return s.reportExport(c, reports.FormatCSV) }

// apiReportExportXLSX answers GET /api/v1/reports/export.xlsx.
func (s *Server) apiReportExportXLSX(c *fiber.Ctx) error {
	return s.reportExport(c, reports.FormatXLSX)
}

// reportExport streams a report as a file: the parameters are checked before the status is sent, so that
// bad input is still a 422.
func (s *Server) reportExport(c *fiber.Ctx, format string) error {
	q, o, err := s.reportQuery(c, true)
	if err != nil {
		return err
	}
	e, ctx, tenant := s.reportEngine(), c.UserContext(), principalOf(c).TenantID
	reqID := fmt.Sprint(c.Locals(localRequestID)) // read now: the writer runs after the handler returned
	name := "report-" + q.Group + "-" + q.From + "-" + q.To
	c.Set(fiber.HeaderContentType, contentTypes[format])
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+"."+format+`"`)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if _, err := reports.WriteReportExport(ctx, e, tenant, q, reports.Options{Format: format, CSV: o}, w); err != nil {
			if format == reports.FormatCSV {
				_, _ = w.WriteString("# export stopped before the end: internal error, request id " + reqID + "\r\n")
			}
			s.Log.Error("report export failed", "err", err, "request_id", reqID)
		}
		_ = w.Flush()
	})
	return nil
}
