package web

import (
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/attribution"
	"relance/reports"
	"relance/tenancy"
)

// reportLine is a report row as the screen shows it, amounts written in the reader's locale.
type reportLine struct {
	reports.Row
	Spend, Fees, Revenue, CostPerConversation, CostPerLead, ROAS, Conversions string
	// Total marks the totals line, shown last.
	Total bool
}

// reportsView is the reports screen: the parameter form, the report and its download links.
type reportsView struct {
	Q       reports.Query
	Brands  []tenancy.Brand
	Groups  []string
	Models  []string
	Windows []int
	Currs   []string
	Errors  map[string]string
	// Lines are the report's rows, then its totals when there are rows.
	Lines        []reportLine
	MissingRates []reports.MissingRate
	Ran          bool
	// Query is the parameters as a query string, for the export links.
	Query string
}

// reportsPage shows GET /reports: with no parameters the form for the last 28 days grouped by campaign,
// with parameters the report they ask for (a bad one is named beside its field, 422).
func (s *Server) reportsPage(c *fiber.Ctx) error {
	v := reportsView{Groups: reports.Groups, Models: attribution.Models, Windows: attribution.WindowDays, Currs: commonCurrencies}
	var err error
	if v.Brands, err = s.brandsWith(c, tenancy.PermReportsRead); err != nil {
		return err
	}
	set, err := s.tenantStore(c).AgencySettings(c.UserContext())
	if err != nil {
		return err
	}
	if len(c.Queries()) == 0 {
		loc, lerr := time.LoadLocation(set.TimeZone)
		if lerr != nil {
			loc = time.UTC
		}
		today := time.Now().In(loc)
		v.Q = reports.Query{From: today.AddDate(0, 0, -28).Format(time.DateOnly), To: today.AddDate(0, 0, -1).Format(time.DateOnly),
			Group: reports.GroupCampaign, Model: attribution.DefaultModel, Window: attribution.DefaultWindowDays, Currency: set.ReportingCurrency}
		return s.renderPage(c, "reports", "Reports", v)
	}
	q, _, err := s.reportQuery(c, false)
	v.Q = q
	if err == nil {
		var rep reports.Report
		rep, err = s.reportEngine().Report(c.UserContext(), principalOf(c).TenantID, q)
		if err == nil {
			v.Ran, v.MissingRates = true, rep.MissingRates
			loc := requestLocale(c)
			for _, r := range rep.Rows {
				v.Lines = append(v.Lines, reportLineOf(r, loc))
			}
			if len(v.Lines) > 0 {
				t := reportLineOf(rep.Totals, loc)
				t.Total = true
				v.Lines = append(v.Lines, t)
			}
			v.Query = reportQueryString(q)
		}
	}
	if ve, ok := asValidation(err); ok {
		v.Errors = ve.Fields
		c.Status(fiber.StatusUnprocessableEntity)
		err = nil
	}
	if err != nil {
		return err
	}
	return s.renderPage(c, "reports", "Reports", v)
}

// reportLineOf writes a row's amounts out for the screen; a missing one reads "missing rate".
func reportLineOf(r reports.Row, locale string) reportLine {
	m := func(x reports.Money) string {
		if !x.Valid {
			return ""
		}
		return formatMoney(x.Minor, x.Currency, locale)
	}
	l := reportLine{Row: r, Spend: m(r.Spend), Fees: m(r.Fees), Revenue: m(r.Revenue), CostPerConversation: m(r.CostPerConversation),
		CostPerLead: m(r.CostPerLead)}
	if b, _ := json.Marshal(r.ROAS); string(b) != "null" {
		l.ROAS = strings.Trim(string(b), `"`)
	}
	types := make([]string, 0, len(r.Conversions))
	for t := range r.Conversions {
		types = append(types, t)
	}
	sort.Strings(types)
	parts := make([]string, len(types))
	for i, t := range types {
		b, _ := r.Conversions[t].MarshalJSON()
		parts[i] = strings.ReplaceAll(t, "_", " ") + " " + string(b)
	}
	l.Conversions = strings.Join(parts, ", ")
	return l
}

// reportQueryString is q's parameters as the API takes them.
func reportQueryString(q reports.Query) string {
	v := url.Values{"from": {q.From}, "to": {q.To}, "group": {q.Group}, "model": {q.Model}, "currency": {q.Currency}}
	v.Set("window", strconv.Itoa(q.Window))
	if q.Brand != "" {
		v.Set("brand", q.Brand)
	}
	if q.Campaign != "" {
		v.Set("campaign", q.Campaign)
	}
	return v.Encode()
}
