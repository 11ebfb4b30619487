package web

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/meta"
)

// How the dashboards show their figures (the agency and brand overviews, the campaign page, the finance
// screen). The numbers come from dash_data.go; here they are written out for the locale and turned into
// the JSON that /static/charts.js draws with uPlot. The page carries the chart's data in a
// <script type="application/json"> (data, not code: the CSP allows no inline script), and every value a
// chart's legend shows is written here by formatMoney/formatNumber, so the chart and the tables agree.

// dashRanges are the ranges, in days, the overviews offer; dashDefaultDays is shown without ?days=.
var dashRanges = []int{7, 30, 90}

const dashDefaultDays = 30

// dashTopLimit is how many campaigns an overview lists.
const dashTopLimit = 10

// dashRange reads ?days= (7, 30 or 90; default 30) and returns the days ending today in loc.
func dashRange(c *fiber.Ctx, loc *time.Location) (days int, from, to string, err error) {
	days = dashDefaultDays
	if v := c.Query("days"); v != "" {
		n, convErr := strconv.Atoi(v)
		ok := convErr == nil
		if ok {
			ok = false
			for _, d := range dashRanges {
				ok = ok || d == n
			}
		}
		if !ok {
			return 0, "", "", &requestError{Status: fiber.StatusUnprocessableEntity, Message: "days must be 7, 30 or 90",
				Fields: map[string]string{"days": "must be 7, 30 or 90"}}
		}
		days = n
	}
	today := time.Now().In(loc)
	end := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	return days, end.AddDate(0, 0, 1-days).Format(time.DateOnly), end.Format(time.DateOnly), nil
}

// chartSeries is one line (or set of bars) of a chart: Values to draw (nil is a gap), Text what the legend
// says for each point.
type chartSeries struct {
	Label  string     `json:"label"`
	Axis   string     `json:"axis"` // left or right
	Unit   string     `json:"unit"` // money, count or ratio
	Bars   bool       `json:"bars,omitempty"`
	Values []*float64 `json:"values"`
	Text   []string   `json:"text"`
}

// chartData is what charts.js draws: X in seconds since the epoch of each day's (or month's) UTC
// midnight, the day being the zone's (the axis writes it as it is, whatever the viewer's zone).
type chartData struct {
	ID       string        `json:"-"`
	Title    string        `json:"-"`
	XKind    string        `json:"x_kind"` // day or month
	X        []int64       `json:"x"`
	Locale   string        `json:"locale"`
	Currency string        `json:"currency"`
	Series   []chartSeries `json:"series"`
}

// dayX is a YYYY-MM-DD's (or YYYY-MM's) UTC midnight in seconds.
func dayX(day string) int64 {
	layout := time.DateOnly
	if len(day) == 7 {
		layout = "2006-01"
	}
	t, _ := time.Parse(layout, day)
	return t.Unix()
}

// majorUnits is minor units as a number to draw (only drawn: the texts are exact).
func majorUnits(minor int64, cur string) float64 {
	d := meta.ISOMinorDigits(cur)
	if d < 0 {
		d = 2
	}
	return float64(minor) / math.Pow10(d)
}

// perConversation is spend ÷ conversations to the minor unit, half away from zero; false without any.
func perConversation(spend, n int64) (int64, bool) {
	if n <= 0 {
		return 0, false
	}
	q, r := spend/n, spend%n
	if 2*r >= n {
		q++
	}
	return q, true
}

// roas is revenue ÷ spend; false without spend.
func roas(revenue, spend int64) (float64, bool) {
	if spend <= 0 {
		return 0, false
	}
	return float64(revenue) / float64(spend), true
}

// formatRatio writes a ratio with two decimals in the locale ("2.35×", "2,35×").
func formatRatio(v float64, locale string) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', 2, 64), ".", localeFor(locale).decimal, 1) + "×"
}

// fp is v's address, for a chart value.
func fp(v float64) *float64 { return &v }

// overviewTotals are the range's figures written out; Missing says some spend or revenue has no rate.
type overviewTotals struct {
	Spend, Revenue, CostPerConversation, ROAS string
	Conversations, Conversions                int64
	Missing                                   bool
}

// topRow is a top campaign written out.
type topRow struct {
	Name, Href, Brand          string
	Spend, CostPerConversation string
	Revenue, ROAS              string
	Conversations, Conversions int64
	Missing                    bool
}

// overviewView is an overview's range, charts, totals and top campaigns.
type overviewView struct {
	Days     int
	Ranges   []int
	From, To string
	Zone     string
	Currency string
	// Base starts the range links: the screen's path and query up to "days=" ("/brands/x?currency=USD&").
	Base   string
	Charts []chartData
	Totals overviewTotals
	Top    []topRow
	// Currencies are the currencies the amounts may be shown in, when there is a choice (a brand's page).
	Currencies []string
	// HideTop leaves the top campaigns out (a campaign's own page).
	HideTop bool
	// ShowBrand adds the brand column to the top campaigns (an overview over several brands).
	ShowBrand bool
}

// overviewOf reads and writes out the scope's overview; names are brand names by id (for the top table).
func (s *Server) overviewOf(c *fiber.Ctx, sc DashScope, cur, base, idPrefix string, names map[string]string) (*overviewView, error) {
	days, from, to, err := dashRange(c, zone(sc.Zone))
	if err != nil {
		return nil, err
	}
	ctx, loc := c.UserContext(), requestLocale(c)
	pts, top, err := s.dashOverview(ctx, sc, from, to, cur, dashTopLimit)
	if err != nil {
		return nil, err
	}
	v := &overviewView{Days: days, Ranges: dashRanges, From: from, To: to, Zone: sc.Zone, Currency: cur, Base: base,
		ShowBrand: len(names) > 1}
	v.Charts, v.Totals = overviewCharts(pts, cur, loc, idPrefix)
	for _, t := range top {
		r := topRow{Name: t.Name, Href: "/brands/" + t.BrandID + "/campaigns/" + t.CampaignID, Brand: names[t.BrandID],
			Conversations: t.Conversations, Conversions: t.Conversions, Missing: t.Missing}
		r.Spend, r.Revenue, r.CostPerConversation, r.ROAS = amountTexts(t.Spend, t.Revenue, t.Conversations, t.Missing, cur, loc)
		v.Top = append(v.Top, r)
	}
	return v, nil
}

// amountTexts writes spend, revenue, cost per conversation and ROAS ("" where unknown or undefined).
func amountTexts(spend, revenue, convs int64, missing bool, cur, loc string) (string, string, string, string) {
	if missing {
		return "", "", "", ""
	}
	var cpc, r string
	if v, ok := perConversation(spend, convs); ok {
		cpc = formatMoney(v, cur, loc)
	}
	if v, ok := roas(revenue, spend); ok {
		r = formatRatio(v, loc)
	}
	return formatMoney(spend, cur, loc), formatMoney(revenue, cur, loc), cpc, r
}

// overviewCharts turns daily points into the two overview charts (spend and conversations; cost per
// conversation and ROAS) and the range's totals.
func overviewCharts(pts []DayPoint, cur, loc, idPrefix string) ([]chartData, overviewTotals) {
	n := len(pts)
	mk := func(label, axis, unit string) chartSeries {
		return chartSeries{Label: label, Axis: axis, Unit: unit, Values: make([]*float64, n), Text: make([]string, n)}
	}
	spend, convs := mk("Spend", "left", "money"), mk("Conversations", "right", "count")
	cpc, ro := mk("Cost per conversation", "left", "money"), mk("ROAS", "right", "ratio")
	spend.Bars, cpc.Bars = true, true // amounts as bars, counts and ratios as lines over them
	xs := make([]int64, n)
	var tot overviewTotals
	var sumSpend, sumRevenue int64
	for i, p := range pts {
		xs[i] = dayX(p.Day)
		convs.Values[i], convs.Text[i] = fp(float64(p.Conversations)), formatNumber(p.Conversations, loc)
		tot.Conversations += p.Conversations
		tot.Conversions += p.Conversions
		if p.Missing {
			tot.Missing = true
			spend.Text[i], cpc.Text[i], ro.Text[i] = "missing rate", "missing rate", "missing rate"
			continue
		}
		sumSpend += p.Spend
		sumRevenue += p.Revenue
		spend.Values[i], spend.Text[i] = fp(majorUnits(p.Spend, cur)), formatMoney(p.Spend, cur, loc)
		if v, ok := perConversation(p.Spend, p.Conversations); ok {
			cpc.Values[i], cpc.Text[i] = fp(majorUnits(v, cur)), formatMoney(v, cur, loc)
		} else {
			cpc.Text[i] = "—"
		}
		if v, ok := roas(p.Revenue, p.Spend); ok {
			ro.Values[i], ro.Text[i] = fp(v), formatRatio(v, loc)
		} else {
			ro.Text[i] = "—"
		}
	}
	tot.Spend, tot.Revenue, tot.CostPerConversation, tot.ROAS = amountTexts(sumSpend, sumRevenue, tot.Conversations, tot.Missing, cur, loc)
	base := chartData{XKind: "day", X: xs, Locale: loc, Currency: cur}
	a, b := base, base
	a.ID, a.Title, a.Series = idPrefix+"-spend", "Spend and conversations", []chartSeries{spend, convs}
	b.ID, b.Title, b.Series = idPrefix+"-efficiency", "Cost per conversation and ROAS", []chartSeries{cpc, ro}
	return []chartData{a, b}, tot
}
