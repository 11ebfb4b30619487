package web

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/meta"
	"relance/reports"
	"relance/tenancy"
)

// ledger is the caller's agency's spend ledger.
func (s *Server) ledger(c *fiber.Ctx) *reports.Ledger {
	return reports.NewLedger(s.DB, principalOf(c).TenantID, nil)
}

// monthView is a month's status and spend, for the API and the finance screen.
type monthView struct {
	Status reports.MonthStatus `json:"status"`
	Spend  reports.MonthSpend  `json:"spend"`
	names  map[string]string   // brand names by id, for the screen
}

// financeMonth reads a month's status and its spend converted to the reporting currency.
func (s *Server) financeMonth(c *fiber.Ctx, month string) (monthView, error) {
	ctx := c.UserContext()
	set, err := s.tenantStore(c).AgencySettings(ctx)
	if err != nil {
		return monthView{}, err
	}
	l := s.ledger(c)
	st, err := l.Month(ctx, month, set.TimeZone)
	if err != nil {
		return monthView{}, err
	}
	start, _ := time.Parse("2006-01", month)
	// Adjustments booked in the month convert at their restated day's rate, which may be months earlier.
	rates, err := s.fxStore().Table(ctx, principalOf(c).TenantID, start.AddDate(-1, 0, 0).Format(time.DateOnly),
		start.AddDate(0, 1, -1).Format(time.DateOnly))
	if err != nil {
		return monthView{}, err
	}
	brands, err := s.brandsIn(c, tenancy.Visible{All: true})
	if err != nil {
		return monthView{}, err
	}
	fees := map[string]reports.FeeTerms{}
	names := map[string]string{}
	for _, b := range brands {
		names[b.ID] = b.Name
		f := b.Settings.Effective().Fees
		monthly, err := meta.ParseDecimal(f.Monthly.Amount, b.Currency)
		if err != nil {
			monthly = meta.Money{Currency: b.Currency} // validated when saved; a currency changed since is shown as no fee
		}
		if f.PercentBP > 0 || monthly.Minor > 0 {
			fees[b.ID] = reports.FeeTerms{PercentBP: f.PercentBP, Monthly: monthly}
		}
	}
	sp, err := l.MonthSpend(ctx, month, set.ReportingCurrency, rates, fees)
	if err != nil {
		return monthView{}, err
	}
	return monthView{Status: st, Spend: sp, names: names}, nil
}

// monthError turns the ledger's refusals into answers that say why.
func monthError(err error) error {
	switch {
	case errors.Is(err, reports.ErrMonthOpen):
		return &requestError{Status: fiber.StatusConflict, Message: "the month has not ended in the agency's time zone; it can be closed from its first day after"}
	case errors.Is(err, reports.ErrMonthClosed):
		return &requestError{Status: fiber.StatusConflict, Message: "the month is already closed"}
	case errors.Is(err, reports.ErrMonthNotClosed):
		return &requestError{Status: fiber.StatusConflict, Message: "the month is not closed"}
	}
	return err
}

// apiFinanceMonth answers GET /api/v1/finance/months/:month.
func (s *Server) apiFinanceMonth(c *fiber.Ctx) error {
	v, err := s.financeMonth(c, c.Params("month"))
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// apiCloseMonth answers POST /api/v1/finance/months/:month/close (finance only).
func (s *Server) apiCloseMonth(c *fiber.Ctx) error { return s.apiMonthAction(c, true) }

// apiReopenMonth answers POST /api/v1/finance/months/:month/reopen (agency_admin only).
func (s *Server) apiReopenMonth(c *fiber.Ctx) error { return s.apiMonthAction(c, false) }

func (s *Server) apiMonthAction(c *fiber.Ctx, closing bool) error {
	st, err := s.monthAction(c, closing)
	if err != nil {
		return monthError(err)
	}
	return c.JSON(st)
}

// monthAction closes or reopens the :month parameter's month in the agency's zone.
func (s *Server) monthAction(c *fiber.Ctx, closing bool) (reports.MonthStatus, error) {
	set, err := s.tenantStore(c).AgencySettings(c.UserContext())
	if err != nil {
		return reports.MonthStatus{}, err
	}
	if closing {
		return s.ledger(c).Close(c.UserContext(), c.Params("month"), set.TimeZone)
	}
	return s.ledger(c).Reopen(c.UserContext(), c.Params("month"), set.TimeZone)
}

// apiSpendSync answers POST /api/v1/finance/spend/sync: a job that pulls Insights into the ledger, 202 with
// its id at once; GET /api/v1/jobs/{id} tells how it went.
func (s *Server) apiSpendSync(c *fiber.Ctx) error {
	var q reports.SyncRequest
	if err := decodeJSON(c, &q); err != nil {
		return err
	}
	j, err := s.startSpendSync(c, q)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"id": j.ID, "status": j.Status})
}

// startSpendSync checks a sync request, records its job and runs it in the background.
func (s *Server) startSpendSync(c *fiber.Ctx, q reports.SyncRequest) (reports.Job, error) {
	if err := q.Check(); err != nil {
		return reports.Job{}, err
	}
	if s.Graph == nil {
		return reports.Job{}, &requestError{Status: fiber.StatusServiceUnavailable, Message: "relance runs without Meta: spend cannot be pulled"}
	}
	l := s.ledger(c)
	accts, err := l.Accounts(c.UserContext(), q.AdAccountID)
	if errors.Is(err, tenancy.ErrNotFound) {
		return reports.Job{}, &tenancy.ValidationError{Fields: map[string]string{"ad_account_id": "is not one of the agency's ad accounts"}}
	}
	if err != nil {
		return reports.Job{}, err
	}
	ctx := c.UserContext()
	j, err := l.StartJob(ctx, reports.JobSpendSync, q)
	if err != nil {
		return reports.Job{}, err
	}
	ts := s.tenantStore(c)
	if err := ts.Record(ctx, tenancy.AuditEntry{Action: tenancy.ActionSpendSync, ObjectType: "job", ObjectID: j.ID,
		Summary: syncSummary(q, len(accts))}); err != nil {
		return reports.Job{}, err
	}
	actor := tenancy.ActorFrom(ctx)
	s.jobs.goRun(func(jctx context.Context) {
		jctx = tenancy.WithActor(jctx, actor)
		res, err := l.SyncAll(jctx, s.Graph, ts.AdAccountToken, accts, q)
		if ferr := l.FinishJob(context.WithoutCancel(jctx), j.ID, res, err); ferr != nil {
			s.Log.Error("spend sync: record the outcome", "job", j.ID, "err", ferr)
		}
	})
	return j, nil
}

// syncSummary describes a sync for the audit log.
func syncSummary(q reports.SyncRequest, n int) string {
	what := fmt.Sprintf("all %d ad accounts", n)
	if q.AdAccountID != "" {
		what = q.AdAccountID
	}
	days := "the last 28 days"
	if q.From != "" {
		days = q.From + " to " + q.To
	}
	return "spend sync of " + what + ", " + days
}

// apiJob answers GET /api/v1/jobs/:job.
func (s *Server) apiJob(c *fiber.Ctx) error {
	j, err := s.ledger(c).GetJob(c.UserContext(), c.Params("job"))
	if err != nil {
		return err
	}
	return c.JSON(j)
}
