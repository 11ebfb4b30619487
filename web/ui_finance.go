package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/reports"
	"relance/tenancy"
)

// financeRow is one brand's month on the finance screen, amounts already written out.
type financeRow struct {
	Brand, Currency                     string
	Spend, Adjustments, Total, Reported string
	Fee, FeeReported                    string
	Missing                             []string
	Impressions, Clicks, Conversations  int64
}

// financeView is the finance screen: one month's status and spend, with the actions the caller may take.
type financeView struct {
	Month, Prev, Next, Reporting string
	Status                       reports.MonthStatus
	Rows                         []financeRow
	Total                        string
	Adjustments                  []adjustmentRow
	Fixed                        []fixedFeeRow
	FeesTotal                    string
	CanClose, CanReopen, CanSync bool
	Job                          *reports.JobView
	// From and To are the month's first and last days, for the export links; Exports the scheduled ones.
	From, To  string
	Exports   []reports.ScheduleView
	CanExport bool
	// Chart is each brand's spend in the reporting currency over the twelve months to Month.
	Chart *chartData
}

// fixedFeeRow is a brand's fixed monthly fee, written out.
type fixedFeeRow struct{ Brand, Amount, Reported string }

// adjustmentRow is a restatement booked in the month, written out.
type adjustmentRow struct{ Day, AdAccountID, AdID, Spend, Reason string }

// financePage shows a month (GET /finance?month=YYYY-MM, default the month before this one, the one to close).
func (s *Server) financePage(c *fiber.Ctx) error {
	month := c.Query("month")
	if month == "" {
		month = time.Now().UTC().AddDate(0, -1, 0).Format("2006-01")
	}
	if !reports.ValidMonth(month) {
		return &tenancy.ValidationError{Fields: map[string]string{"month": "must be a month YYYY-MM"}}
	}
	loc := requestLocale(c)
	money := func(minor int64, cur string) string { return formatMoney(minor, cur, loc) }
	mv, err := s.financeMonth(c, month)
	if err != nil {
		return err
	}
	names := mv.names
	start, _ := time.Parse("2006-01", month)
	v := financeView{Month: month, Prev: start.AddDate(0, -1, 0).Format("2006-01"), Next: start.AddDate(0, 1, 0).Format("2006-01"),
		Reporting: mv.Spend.Reporting, Status: mv.Status}
	for _, a := range mv.Spend.Adjustments {
		v.Adjustments = append(v.Adjustments, adjustmentRow{Day: a.Day, AdAccountID: a.AdAccountID, AdID: a.AdID,
			Spend: money(a.Spend, a.Currency), Reason: a.Reason})
	}
	for _, b := range mv.Spend.Brands {
		r := financeRow{Brand: names[b.BrandID], Currency: b.Currency, Spend: money(b.Spend, b.Currency),
			Adjustments: money(b.Adjustments, b.Currency), Total: money(b.Total, b.Currency), Missing: b.MissingDays,
			Impressions: b.Impressions, Clicks: b.Clicks, Conversations: b.Conversations}
		if b.Reporting != nil {
			r.Reported = money(*b.Reporting, mv.Spend.Reporting)
		}
		if b.Fee != 0 {
			r.Fee = money(b.Fee, b.Currency)
		}
		if b.FeeReporting != nil && *b.FeeReporting != 0 {
			r.FeeReported = money(*b.FeeReporting, mv.Spend.Reporting)
		}
		v.Rows = append(v.Rows, r)
	}
	if mv.Spend.Total != nil {
		v.Total = money(*mv.Spend.Total, mv.Spend.Reporting)
	}
	for _, f := range mv.Spend.Fixed {
		r := fixedFeeRow{Brand: names[f.BrandID], Amount: money(f.Amount, f.Currency)}
		if f.Reporting != nil {
			r.Reported = money(*f.Reporting, mv.Spend.Reporting)
		}
		v.Fixed = append(v.Fixed, r)
	}
	if mv.Spend.FeesTotal != nil {
		v.FeesTotal = money(*mv.Spend.FeesTotal, mv.Spend.Reporting)
	}
	p, az := principalOf(c), s.Store.Authz()
	v.CanClose = az.Can(p.TenantID, p.User.ID, "", tenancy.PermMonthClose) && !v.Status.Closed && v.Status.Ended
	v.CanReopen = az.Can(p.TenantID, p.User.ID, "", tenancy.PermMonthReopen) && v.Status.Closed
	v.CanSync = az.Can(p.TenantID, p.User.ID, "", tenancy.PermSpendWrite) && s.Graph != nil
	v.From, v.To = month+"-01", start.AddDate(0, 1, -1).Format(time.DateOnly)
	v.CanExport = az.Can(p.TenantID, p.User.ID, "", tenancy.PermExports)
	if v.Exports, err = s.exportsOf(c).List(c.UserContext()); err != nil {
		return err
	}
	if v.Chart, err = s.financeChart(c, month, mv.Spend.Reporting, names); err != nil {
		return err
	}
	if id := c.Query("job"); id != "" {
		if j, err := s.ledger(c).GetJob(c.UserContext(), id); err == nil {
			v.Job = &j
		}
	}
	return s.renderPage(c, "finance", "Finance "+month, v)
}
