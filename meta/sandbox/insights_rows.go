package sandbox

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"relance/meta"
)

// insightsFields are the fields the sandbox answers.
var insightsFields = map[string]bool{
	"account_id": true, "account_name": true, "account_currency": true, "campaign_id": true, "campaign_name": true,
	"adset_id": true, "adset_name": true, "ad_id": true, "ad_name": true, "objective": true, "spend": true,
	"impressions": true, "reach": true, "clicks": true, "actions": true, "cost_per_action_type": true,
	"cpm": true, "cpc": true, "ctr": true, "frequency": true, "date_start": true, "date_stop": true,
}

// The messaging action types of Insights (reference §5).
const (
	actionStarted    = "onsite_conversion.messaging_conversation_started_7d"
	actionFirstReply = "onsite_conversion.messaging_first_reply"
	actionConnection = "onsite_conversion.total_messaging_connection"
)

// insightsGroup is the sum of one object's stats over one row's days.
type insightsGroup struct {
	start, stop time.Time
	ad          *Ad // one ad of the group, for its ids and names
	sum         HourStat
}

// insightsRows sums the stats of the account's ads into rows: one per object of the level and period of
// the time increment, in date then id order. Objects without impressions in a period have no row, as in
// Meta's answers. Reach is summed over hours (the sandbox does not follow people across hours), so it is
// an upper bound of Meta's deduplicated reach.
func (s *Sandbox) insightsRows(acct *Account, q insightsQuery) []map[string]any {
	loc := location(acct.Timezone)
	groups := map[string]*insightsGroup{}
	var keys []string
	for _, ad := range s.st.ads {
		if !s.insightsMatch(ad, acct, q) {
			continue
		}
		for _, row := range s.st.stats[ad.ID] {
			day := localDate(row.Hour, loc)
			if day.Before(q.since) || day.After(q.until) {
				continue
			}
			start, stop := q.bucket(day)
			key := start.Format(time.DateOnly) + "|" + s.groupID(ad, q.level)
			g := groups[key]
			if g == nil {
				g = &insightsGroup{start: start, stop: stop, ad: ad}
				groups[key] = g
				keys = append(keys, key)
			}
			g.sum.Impressions += row.Impressions
			g.sum.Reach += row.Reach
			g.sum.Clicks += row.Clicks
			g.sum.Spend += row.Spend
			g.sum.Conversations += row.Conversations
			g.sum.FirstReplies += row.FirstReplies
		}
	}
	sort.Strings(keys)
	rows := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		if g := groups[k]; g.sum.Impressions > 0 {
			rows = append(rows, s.insightsRow(acct, q, g))
		}
	}
	return rows
}

// insightsMatch reports whether an ad belongs to the account, the call's object and the filters.
func (s *Sandbox) insightsMatch(ad *Ad, acct *Account, q insightsQuery) bool {
	set := s.st.adsets[ad.AdSetID]
	if set == nil || strings.TrimPrefix(set.AccountID, "act_") != strings.TrimPrefix(acct.ID, "act_") {
		return false
	}
	ids := map[string]string{"ad.id": ad.ID, "adset.id": set.ID, "campaign.id": set.CampaignID}
	if sc := q.scope; sc.id != "" && ids[sc.level+".id"] != sc.id {
		return false
	}
	for _, f := range q.filters {
		in := false
		switch v := f.Value.(type) {
		case []any:
			for _, x := range v {
				in = in || fmt.Sprint(x) == ids[f.Field]
			}
		default:
			in = fmt.Sprint(v) == ids[f.Field]
		}
		if in == (f.Operator == "NOT_EQUAL" || f.Operator == "NOT_IN") {
			return false
		}
	}
	return true
}

// groupID is the id of the object of the level an ad's stats add up in.
func (s *Sandbox) groupID(ad *Ad, level string) string {
	set := s.st.adsets[ad.AdSetID]
	switch level {
	case "ad":
		return ad.ID
	case "adset":
		return set.ID
	case "campaign":
		return set.CampaignID
	}
	return set.AccountID
}

// bucket is the first and last day of the row holding day.
func (q insightsQuery) bucket(day time.Time) (time.Time, time.Time) {
	switch {
	case q.increment == 0:
		return q.since, q.until
	case q.increment < 0:
		y, m, _ := day.Date()
		first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		last := first.AddDate(0, 1, -1)
		return maxTime(first, q.since), minTime(last, q.until)
	}
	n := int(day.Sub(q.since).Hours()/24) / q.increment
	start := q.since.AddDate(0, 0, n*q.increment)
	return start, minTime(start.AddDate(0, 0, q.increment-1), q.until)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// insightsRow writes one row with the fields asked for, shaped as Meta's: counts and amounts are strings,
// spend a decimal in currency units, actions a list of {action_type, value}.
func (s *Sandbox) insightsRow(acct *Account, q insightsQuery, g *insightsGroup) map[string]any {
	set := s.st.adsets[g.ad.AdSetID]
	camp := s.st.campaigns[set.CampaignID]
	depth := map[string]int{"account": 0, "campaign": 1, "adset": 2, "ad": 3}[q.level]
	cur := acct.Currency
	money := func(v *big.Rat) string { return decimalString(v, max(meta.ISOMinorDigits(cur), 0)) }
	spend := new(big.Rat).SetFrac64(g.sum.Spend, metaOffset(cur))
	row := map[string]any{"date_start": g.start.Format(time.DateOnly), "date_stop": g.stop.Format(time.DateOnly)}
	var actions, costs []map[string]string
	for _, a := range []struct {
		kind string
		n    int64
	}{{actionStarted, g.sum.Conversations}, {actionFirstReply, g.sum.FirstReplies}, {actionConnection, g.sum.Conversations}} {
		if a.n == 0 {
			continue
		}
		actions = append(actions, map[string]string{"action_type": a.kind, "value": strconv.FormatInt(a.n, 10)})
		costs = append(costs, map[string]string{"action_type": a.kind,
			"value": decimalString(new(big.Rat).Quo(spend, big.NewRat(a.n, 1)), 6)})
	}
	for _, f := range q.fields {
		switch f {
		case "account_id":
			row[f] = strings.TrimPrefix(acct.ID, "act_")
		case "account_name":
			row[f] = acct.Name
		case "account_currency":
			row[f] = cur
		case "campaign_id", "campaign_name", "objective":
			if depth >= 1 && camp != nil {
				row[f] = map[string]string{"campaign_id": camp.ID, "campaign_name": camp.Name, "objective": camp.Objective}[f]
			}
		case "adset_id", "adset_name":
			if depth >= 2 {
				row[f] = map[string]string{"adset_id": set.ID, "adset_name": set.Name}[f]
			}
		case "ad_id", "ad_name":
			if depth >= 3 {
				row[f] = map[string]string{"ad_id": g.ad.ID, "ad_name": g.ad.Name}[f]
			}
		case "spend":
			m, err := meta.FromMetaBudget(g.sum.Spend, cur)
			if err != nil {
				row[f] = money(spend) // a currency relance does not hold: still a decimal
			} else {
				row[f] = meta.FormatDecimal(m)
			}
		case "impressions":
			row[f] = strconv.FormatInt(g.sum.Impressions, 10)
		case "reach":
			row[f] = strconv.FormatInt(min(g.sum.Reach, g.sum.Impressions), 10)
		case "clicks":
			row[f] = strconv.FormatInt(g.sum.Clicks, 10)
		case "actions":
			if actions != nil {
				row[f] = actions
			}
		case "cost_per_action_type":
			if costs != nil {
				row[f] = costs
			}
		case "cpm":
			row[f] = decimalString(new(big.Rat).Quo(new(big.Rat).Mul(spend, big.NewRat(1000, 1)), big.NewRat(g.sum.Impressions, 1)), 6)
		case "ctr":
			row[f] = decimalString(big.NewRat(100*g.sum.Clicks, g.sum.Impressions), 6)
		case "cpc":
			if g.sum.Clicks > 0 {
				row[f] = decimalString(new(big.Rat).Quo(spend, big.NewRat(g.sum.Clicks, 1)), 6)
			}
		case "frequency":
			row[f] = decimalString(big.NewRat(g.sum.Impressions, max(1, min(g.sum.Reach, g.sum.Impressions))), 6)
		}
	}
	return row
}

// decimalString writes v with at most digits decimals and no trailing zeros ("8.123457", "12").
func decimalString(v *big.Rat, digits int) string {
	s := v.FloatString(digits)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
