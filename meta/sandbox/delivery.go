package sandbox

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

// Delivery. Every simulated interval, each ad set with a budget spends part of it on its active ads; each ad
// turns its share into impressions (at a CPM), reach, clicks (at a CTR) and conversations, whose webhooks are
// queued for the minute they happen. The budget rules Meta states (reference §3) are hard caps checked against
// what the ad set already spent, so no pacing noise can break them:
//
//   - daily_budget: at most 125 % of it in one account day, and at most 7× it over any 7 consecutive days
//     (checking the 7 days ending today at every spend is enough: a later window holds no later spend);
//   - lifetime_budget: never more than it in total, paced over the flight.
//
// An account day is the account time zone's date of the UTC hour a row belongs to (in zones with a half-hour
// offset a row straddles two days and counts in the first, the same way Insights reads it). An ad set with
// neither budget (campaign budget optimisation, which the sandbox does not model) does not deliver.

// simulate runs delivery for the simulated interval [from, to), never longer than an hour and never across
// an hour boundary (Advance cuts it so); the mutex is held. Ad sets and ads are taken in id order so that
// Go's map order cannot change the results.
func (s *Sandbox) simulate(from, to time.Time) {
	if !to.After(from) {
		return
	}
	bySet := map[string][]*Ad{}
	for _, ad := range s.st.ads {
		bySet[ad.AdSetID] = append(bySet[ad.AdSetID], ad)
	}
	ids := make([]string, 0, len(bySet))
	for id := range bySet {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		set := s.st.adsets[id]
		if set == nil || slices.Contains(set.Targeting.MessengerPositions, "sponsored_messages") {
			continue // sponsored messages go to their audience's threads (delivery_sponsored.go)
		}
		ads := bySet[id]
		sort.Slice(ads, func(i, j int) bool { return ads[i].ID < ads[j].ID })
		s.deliverSet(set, ads, from, to)
	}
}

// deliverSet spends one ad set's budget for [from, to) across its active ads. ads are all the ad set's ads,
// paused and deleted ones too: what they spent still counts against the budget.
func (s *Sandbox) deliverSet(set *AdSet, ads []*Ad, from, to time.Time) {
	a, b := from, to
	if !set.StartTime.IsZero() && set.StartTime.After(a) {
		a = set.StartTime
	}
	if !set.EndTime.IsZero() && set.EndTime.Before(b) {
		b = set.EndTime
	}
	if !b.After(a) || (set.DailyBudget <= 0 && set.LifetimeBudget <= 0) {
		return
	}
	acct := s.account(set.AccountID)
	loc := location(acct.Timezone)
	live := liveTime(set, loc, a, b)
	if live <= 0 {
		return
	}
	var active []*Ad
	for _, ad := range ads {
		if s.effectiveStatus(ad, a) == "ACTIVE" {
			active = append(active, ad)
		}
	}
	if len(active) == 0 {
		return
	}
	hour := from.Truncate(time.Hour)
	sp := s.spentBy(set, ads, loc, hour)
	budget := min(int64(s.allowance(set, loc, a, live, sp)), sp.capLeft(set))
	if budget <= 0 {
		return
	}
	key := hour.Format(time.RFC3339)
	gens := make([]*rand.Rand, len(active))
	weights := make([]int64, len(active))
	var total int64
	for i, ad := range active {
		gens[i] = seeded(s.o.Seed, "delivery", ad.ID, key)
		weights[i] = 500 + gens[i].Int64N(1000) // the auction favours some ads of the set over others
		total += weights[i]
	}
	for i, ad := range active {
		// Integer shares: their sum never exceeds budget.
		share := budget * weights[i] / total
		s.deliverAd(gens[i], ad, acct.Currency, share, a, b, hour)
	}
}

// spent is what an ad set already spent, in Meta units, as the budget rules count it.
type spent struct {
	total, today, week int64
}

// spentBy sums the ad set's spend: in total, in the account day of hour, and over the 7 days ending then.
func (s *Sandbox) spentBy(set *AdSet, ads []*Ad, loc *time.Location, hour time.Time) spent {
	today := dayNumber(hour, loc)
	var sp spent
	for _, ad := range ads {
		rows := s.st.stats[ad.ID]
		for i := len(rows) - 1; i >= 0; i-- {
			d := dayNumber(rows[i].Hour, loc)
			if d <= today-7 && set.LifetimeBudget <= 0 {
				break // rows are in hour order; older ones matter only to a lifetime budget
			}
			sp.total += rows[i].Spend
			if d == today {
				sp.today += rows[i].Spend
			}
			if d > today-7 && d <= today {
				sp.week += rows[i].Spend
			}
		}
	}
	return sp
}

// capLeft is the most the ad set may still spend now without breaking a budget rule.
func (sp spent) capLeft(set *AdSet) int64 {
	left := int64(math.MaxInt64)
	if set.DailyBudget > 0 {
		left = min(left, set.DailyBudget*5/4-sp.today, 7*set.DailyBudget-sp.week)
	}
	if set.LifetimeBudget > 0 {
		left = min(left, set.LifetimeBudget-sp.total)
	}
	return left
}

// deliverAd turns an ad's share of the budget into impressions, reach, clicks and conversations, and
// records them in the ad's row of hour.
func (s *Sandbox) deliverAd(r *rand.Rand, ad *Ad, currency string, share int64, a, b, hour time.Time) {
	if share <= 0 {
		return
	}
	// CPM and CTR are properties of the ad (its creative and audience) plus some noise each hour.
	base := seeded(s.o.Seed, "ad", ad.ID)
	cpmUSD := 4.5 + 7*base.Float64()
	ctr := 0.005 + 0.01*base.Float64()
	cpm := cpmUSD * (0.85 + 0.3*r.Float64()) * unitsPerUSD(currency) // Meta units per 1,000 impressions
	impressions := int64(float64(share) * 1000 / cpm)
	if impressions <= 0 {
		return
	}
	// Billing is per impression: spend what the impressions cost, never more than the share.
	spend := min(share, int64(math.Round(float64(impressions)*cpm/1000)))
	clicks := min(impressions, int64(float64(impressions)*ctr*(0.8+0.4*r.Float64())+r.Float64()))
	reach := max(1, int64(float64(impressions)/(1.05+0.3*r.Float64())))
	row := HourStat{Hour: hour, Impressions: impressions, Reach: reach, Clicks: clicks, Spend: spend}
	convRate := 0.2 + 0.2*r.Float64()
	cr := s.st.creatives[ad.CreativeID]
	for range clicks {
		if r.Float64() >= convRate || cr == nil || cr.PageID == "" {
			continue
		}
		row.Conversations++
		if s.startConversation(r, ad, cr, a, b) {
			row.FirstReplies++
		}
	}
	s.record(ad.ID, row)
}

// record adds a row to an ad's stats, merging it into the last row when it is the same hour (an hour
// simulated in several parts).
func (s *Sandbox) record(adID string, row HourStat) {
	rows := s.st.stats[adID]
	if n := len(rows); n > 0 && rows[n-1].Hour.Equal(row.Hour) {
		last := &rows[n-1]
		last.Impressions += row.Impressions
		last.Reach += row.Reach
		last.Clicks += row.Clicks
		last.Spend += row.Spend
		last.Conversations += row.Conversations
		last.FirstReplies += row.FirstReplies
		return
	}
	s.st.stats[adID] = append(rows, row)
}

// unitsPerUSD is roughly what one US dollar is in the currency's Meta units, so that CPMs look plausible in
// every currency (a JPY CPM near ¥1,200, not ¥8). The rates are rounded and fixed: the sandbox needs
// plausibility, not a market.
func unitsPerUSD(cur string) float64 {
	rates := map[string]float64{
		"EUR": 0.92, "GBP": 0.79, "CHF": 0.88, "CAD": 1.36, "AUD": 1.5, "NZD": 1.65, "JPY": 150, "KRW": 1350,
		"BHD": 0.376, "JOD": 0.71, "AED": 3.67, "SAR": 3.75, "QAR": 3.64, "INR": 83, "BRL": 5, "MXN": 17,
		"IDR": 15600, "VND": 24500, "HUF": 360, "CLP": 930, "COP": 3900, "TWD": 31, "ISK": 138, "PYG": 7300,
		"CRC": 520, "SEK": 10.5, "NOK": 10.6, "DKK": 6.9, "PLN": 4, "CZK": 23, "TRY": 32, "ZAR": 18.5,
		"THB": 36, "PHP": 56, "MYR": 4.7, "SGD": 1.35, "HKD": 7.8, "CNY": 7.2, "ILS": 3.7, "EGP": 48,
		"NGN": 1500, "PKR": 280, "BDT": 110, "KES": 130, "ARS": 900,
	}
	rate, ok := rates[cur]
	if !ok {
		rate = 1
	}
	offset := float64(metaOffset(cur))
	return rate * offset
}
