package reports

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"time"

	"relance/fx"
	"relance/meta"
)

// BrandSpend is one brand's spend in one currency over a month.
type BrandSpend struct {
	BrandID  string `json:"brand_id"`
	Currency string `json:"currency"`
	// Spend is the ledger's rows of the month's days; Adjustments the restatements of closed months booked
	// in this month; Total their sum. All in Currency's minor unit.
	Spend       int64 `json:"spend"`
	Adjustments int64 `json:"adjustments"`
	Total       int64 `json:"total"`
	// Reporting is Total in the reporting currency, each day at its own rate; nil when a rate is missing.
	Reporting     *int64   `json:"reporting"`
	MissingDays   []string `json:"missing_days,omitempty"`
	Impressions   int64    `json:"impressions"`
	Clicks        int64    `json:"clicks"`
	Conversations int64    `json:"conversations"`
	Replies       int64    `json:"replies"`
	// Fee is the brand's percentage fee on Total, in Currency; FeeReporting the same share of Reporting.
	Fee          int64  `json:"fee"`
	FeeReporting *int64 `json:"fee_reporting"`
}

// FeeTerms are a brand's fees: basis points of its media spend and a fixed monthly amount.
type FeeTerms struct {
	PercentBP int
	Monthly   meta.Money
}

// FixedFee is a brand's fixed monthly fee, in its currency and converted at the month's last day's rate.
type FixedFee struct {
	BrandID   string `json:"brand_id"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	Reporting *int64 `json:"reporting"`
}

// MonthSpend is an agency's spend over a month, per brand and currency.
type MonthSpend struct {
	Month     string       `json:"month"`
	Reporting string       `json:"reporting_currency"`
	Brands    []BrandSpend `json:"brands"`
	// Total is the sum in the reporting currency; nil when any brand's figure is missing a rate.
	Total       *int64       `json:"total"`
	Adjustments []Adjustment `json:"adjustments"`
	Fixed       []FixedFee   `json:"fixed_fees"`
	// FeesTotal is every fee, percentage and fixed, in the reporting currency; nil when a rate is missing.
	FeesTotal *int64 `json:"fees_total"`
}

// share is bp basis points of v, rounded half away from zero.
func share(v, bp int64) int64 {
	if v > math.MaxInt64/10000 || v < -math.MaxInt64/10000 { // far beyond any month's spend; stay exact anyway
		n := new(big.Int).Mul(big.NewInt(v), big.NewInt(bp))
		q, r := new(big.Int).QuoRem(n, big.NewInt(10000), new(big.Int))
		if r.CmpAbs(big.NewInt(5000)) >= 0 {
			q.Add(q, big.NewInt(int64(r.Sign())))
		}
		return q.Int64()
	}
	n := v * bp
	q, r := n/10000, n%10000
	if r >= 5000 {
		q++
	} else if r <= -5000 {
		q--
	}
	return q
}

// dayTotal is a brand's spend on one day in one currency (a ledger day or an adjustment's restated day).
type dayTotal struct {
	BrandID, Currency, Day                                  string
	Spend, Impressions, Clicks, Conversations, Replies, Adj int64
}

// MonthSpend totals month's ledger rows and the adjustments booked in it, per brand and currency, and converts
// them to reporting with rates (each day at its own rate; an adjustment at its restated day's rate).
// Fees are figured per brand from fees (brands without terms pay none): the percentage on each currency's
// total, rounded half away from zero to the minor unit, in that currency and on the converted figure; the
// fixed fee converted at the rate of the month's last day.
func (l *Ledger) MonthSpend(ctx context.Context, month, reporting string, rates *fx.Table, fees map[string]FeeTerms) (MonthSpend, error) {
	out := MonthSpend{Month: month, Reporting: reporting, Brands: []BrandSpend{}, Adjustments: []Adjustment{}, Fixed: []FixedFee{}}
	if !ValidMonth(month) {
		return out, fmt.Errorf("%w: month must be YYYY-MM", ErrRange)
	}
	var days []dayTotal
	err := l.db.R.WithContext(ctx).Raw(`SELECT brand_id, currency, day, SUM(spend) AS spend, SUM(impressions) AS impressions,
		SUM(clicks) AS clicks, SUM(conversations) AS conversations, SUM(replies) AS replies, 0 AS adj
		FROM spend_days WHERE tenant_id = ? AND month = ? GROUP BY brand_id, currency, day`, l.tenant, month).Scan(&days).Error
	if err != nil {
		return out, fmt.Errorf("reports: month spend: %w", err)
	}
	if err := l.db.R.WithContext(ctx).Where("tenant_id = ? AND month = ?", l.tenant, month).Order("day, ad_id, created_at").
		Find(&out.Adjustments).Error; err != nil {
		return out, fmt.Errorf("reports: month spend: %w", err)
	}
	for _, a := range out.Adjustments {
		days = append(days, dayTotal{BrandID: a.BrandID, Currency: a.Currency, Day: a.Day, Adj: a.Spend,
			Impressions: a.Impressions, Clicks: a.Clicks, Conversations: a.Conversations, Replies: a.Replies})
	}
	byKey := map[[2]string]*BrandSpend{}
	for _, d := range days {
		k := [2]string{d.BrandID, d.Currency}
		b := byKey[k]
		if b == nil {
			var zero int64
			b = &BrandSpend{BrandID: d.BrandID, Currency: d.Currency, Reporting: &zero}
			byKey[k] = b
		}
		b.Spend += d.Spend
		b.Adjustments += d.Adj
		b.Impressions += d.Impressions
		b.Clicks += d.Clicks
		b.Conversations += d.Conversations
		b.Replies += d.Replies
		if b.Reporting == nil {
			continue
		}
		conv, err := rates.Convert(meta.Money{Minor: d.Spend + d.Adj, Currency: d.Currency}, reporting, d.Day)
		switch {
		case errors.Is(err, fx.ErrMissingRate):
			b.MissingDays = append(b.MissingDays, d.Day)
		case err != nil:
			return out, fmt.Errorf("reports: month spend: %w", err)
		default:
			*b.Reporting += conv.Minor
		}
	}
	var total, feesTotal int64
	complete, feesComplete := true, true
	for _, b := range byKey {
		b.Total = b.Spend + b.Adjustments
		bp := int64(fees[b.BrandID].PercentBP)
		b.Fee = share(b.Total, bp)
		if len(b.MissingDays) > 0 {
			sort.Strings(b.MissingDays)
			b.Reporting = nil
			complete, feesComplete = false, false
		} else {
			total += *b.Reporting
			f := share(*b.Reporting, bp)
			b.FeeReporting = &f
			feesTotal += f
		}
		out.Brands = append(out.Brands, *b)
	}
	start, _ := time.Parse("2006-01", month)
	last := start.AddDate(0, 1, -1).Format(time.DateOnly)
	ids := make([]string, 0, len(fees))
	for id := range fees {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		m := fees[id].Monthly
		if m.Minor == 0 {
			continue
		}
		ff := FixedFee{BrandID: id, Amount: m.Minor, Currency: m.Currency}
		if conv, err := rates.Convert(m, reporting, last); err == nil {
			ff.Reporting = &conv.Minor
			feesTotal += conv.Minor
		} else {
			feesComplete = false
		}
		out.Fixed = append(out.Fixed, ff)
	}
	if feesComplete {
		out.FeesTotal = &feesTotal
	}
	sort.Slice(out.Brands, func(i, j int) bool {
		if out.Brands[i].BrandID != out.Brands[j].BrandID {
			return out.Brands[i].BrandID < out.Brands[j].BrandID
		}
		return out.Brands[i].Currency < out.Brands[j].Currency
	})
	if complete {
		out.Total = &total
	}
	return out, nil
}
