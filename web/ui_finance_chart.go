package web

import (
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"
)

// financeMonths is how many months the finance chart shows, ending with the month on screen.
const financeMonths = 12

// financeChart is each brand's spend per month in the reporting currency, the twelve months to month, as
// the finance table totals a month (a month with a missing rate is a gap in that brand's line).
func (s *Server) financeChart(c *fiber.Ctx, month, reporting string, names map[string]string) (*chartData, error) {
	end, err := time.Parse("2006-01", month)
	if err != nil {
		return nil, err
	}
	months := make([]string, financeMonths)
	for i := range months {
		months[i] = end.AddDate(0, i+1-financeMonths, 0).Format("2006-01")
	}
	rows, err := s.dashBrandMonths(c.UserContext(), principalOf(c).TenantID, months, reporting)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	loc := requestLocale(c)
	at := make(map[string]int, len(months))
	xs := make([]int64, len(months))
	for i, m := range months {
		at[m], xs[i] = i, dayX(m)
	}
	by := map[string]*chartSeries{}
	var ids []string
	for _, r := range rows {
		sr := by[r.BrandID]
		if sr == nil {
			name := names[r.BrandID]
			if name == "" {
				name = r.BrandID
			}
			sr = &chartSeries{Label: name, Axis: "left", Unit: "money", Values: make([]*float64, len(months)), Text: make([]string, len(months))}
			for i := range sr.Text { // a month without rows spent nothing
				sr.Values[i], sr.Text[i] = fp(0), formatMoney(0, reporting, loc)
			}
			by[r.BrandID] = sr
			ids = append(ids, r.BrandID)
		}
		i := at[r.Month]
		if r.Missing {
			sr.Values[i], sr.Text[i] = nil, "missing rate"
			continue
		}
		sr.Values[i], sr.Text[i] = fp(majorUnits(r.Spend, reporting)), formatMoney(r.Spend, reporting, loc)
	}
	sort.Slice(ids, func(i, j int) bool { return by[ids[i]].Label < by[ids[j]].Label })
	ch := &chartData{ID: "finance-brands", Title: "Spend by brand per month, in " + reporting, XKind: "month",
		X: xs, Locale: loc, Currency: reporting}
	for _, id := range ids {
		ch.Series = append(ch.Series, *by[id])
	}
	return ch, nil
}
