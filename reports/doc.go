// Package reports keeps the money side of relance (DESIGN §5 "Money"): the spend ledger pulled from Insights,
// closed months, and the jobs that fill them; and the report engine (DESIGN §5 "Reports and exports"):
// NewEngine(db).Report(ctx, tenantID, Query{From, To, Group, AllBrands | Brands, Brand, Campaign, Model, Window,
// Currency}) answers the rows, totals and missing rates that GET /api/v1/reports, its exports, the reports
// screen and the dashboards show.
//
// Decisions:
//   - A ledger row is one ad on one day of its ad account's zone, in the account's currency, in the currency's
//     ISO minor unit, parsed exactly from Meta's decimal string (meta.ParseDecimal): what Ads Manager shows for
//     that ad and day, to the cent.
//   - Every pull re-reads the last 28 days (Meta restates recent days). In an open month a restated day simply
//     replaces the row; a day Meta no longer reports (refunded to zero) is removed. In a closed month the row
//     stays as it was closed, and the difference between Meta's new figure and what the books already hold
//     (the row plus earlier adjustments) becomes an adjustment row in the first open month after it, dated and
//     explained. A re-pull that finds nothing new writes nothing: a sync is idempotent for the same days.
//   - A month belongs to the calendar of the ad-account days it holds; it may be closed once it has ended in
//     the agency's zone, by finance, and reopened by an agency_admin only; both are audited.
//   - A report reads the rollups attribution keeps (report_days, report_credits) and the ledger, never messages,
//     conversations or touches. Amounts are summed per (brand, currency, day), converted day by day, then
//     added: totals are the rows' sums exactly, and a missing rate makes the figure missing (listed), never 0.
package reports
