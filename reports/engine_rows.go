package reports

import (
	"encoding/json"
	"sort"
	"strconv"

	"relance/meta"
)

// Unattributed names the row of what no campaign (variant, ad, link) is credited with.
const Unattributed = "(unattributed)"

// MarshalJSON writes an amount as {"amount": "12.50", "currency": "EUR"} (a decimal string in the currency's
// minor unit, as the API's other amounts), or null when it is missing.
func (m Money) MarshalJSON() ([]byte, error) {
	if !m.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(struct {
		Amount   string `json:"amount"`
		Currency string `json:"currency"`
	}{meta.FormatDecimal(meta.Money{Minor: m.Minor, Currency: m.Currency}), m.Currency})
}

// Count is a number of conversions in hundredths: whole under last_touch and first_touch, split exactly
// under linear (one conversion over three touches: 0.34, 0.33, 0.33).
type Count int64

// MarshalJSON writes the count as a JSON number: 3, or 0.34.
func (c Count) MarshalJSON() ([]byte, error) {
	if c%100 == 0 {
		return strconv.AppendInt(nil, int64(c)/100, 10), nil
	}
	return AppendDecimal(nil, int64(c), 2, false), nil
}

// Ratio is Num ÷ Den; invalid (null) when a figure is missing or Den is 0.
type Ratio struct {
	Num, Den int64
	Valid    bool
}

// MarshalJSON writes the ratio as a decimal string with two decimals, rounded half away from zero.
func (r Ratio) MarshalJSON() ([]byte, error) {
	if !r.Valid {
		return []byte("null"), nil
	}
	return strconv.AppendQuote(nil, string(AppendDecimal(nil, divRound(r.Num*100, r.Den), 2, false))), nil
}

// divRound is a ÷ b rounded half away from zero (b > 0).
func divRound(a, b int64) int64 {
	q, r := a/b, a%b
	if 2*r >= b {
		q++
	} else if -2*r >= b {
		q--
	}
	return q
}

// row converts a row's figures to the report's currency and names it.
func (e *Engine) row(q Query, sc scopeInfo, conv *converter, key string, a *acc, missing map[MissingRate]bool) Row {
	r := Row{Key: key, Name: rowName(q.Group, sc, key, a), Impressions: a.impressions, Clicks: a.clicks, Conversations: a.conversations,
		NewConversations: a.newConvs, Replies: a.replies, Conversions: map[string]Count{}}
	for t, n := range a.conversions {
		if n != 0 {
			r.Conversions[t] = Count(n)
		}
	}
	convert := func(parts map[part]int64) (map[string]int64, bool) {
		by, ok := map[string]int64{}, true
		for p, v := range parts {
			if v == 0 {
				continue
			}
			c, found := conv.convert(v, p.currency, p.day)
			if !found {
				missing[MissingRate{Currency: p.currency, Day: p.day}] = true
				ok = false
				continue
			}
			by[p.brand] += c
		}
		return by, ok
	}
	spend, spendOK := convert(a.spend)
	revenue, revenueOK := convert(a.revenue)
	r.Spend, r.Fees, r.Revenue = Money{Currency: q.Currency}, Money{Currency: q.Currency}, Money{Currency: q.Currency}
	if spendOK {
		r.Spend.Valid, r.Fees.Valid = true, true
		for b, v := range spend {
			r.Spend.Minor += v
			r.Fees.Minor += share(v, int64(sc.brands[b].Settings.Effective().Fees.PercentBP))
		}
	}
	if revenueOK {
		r.Revenue.Valid = true
		for _, v := range revenue {
			r.Revenue.Minor += v
		}
	}
	r.ratios()
	return r
}

// ratios fills the row's costs and ROAS from its figures.
func (r *Row) ratios() {
	cur := r.Spend.Currency
	r.CostPerConversation, r.CostPerLead = Money{Currency: cur}, Money{Currency: cur}
	r.ROAS = Ratio{}
	if !r.Spend.Valid {
		return
	}
	if r.Conversations > 0 {
		r.CostPerConversation = Money{Minor: divRound(r.Spend.Minor, r.Conversations), Currency: cur, Valid: true}
	}
	if leads := int64(r.Conversions["lead"]); leads > 0 {
		r.CostPerLead = Money{Minor: divRound(r.Spend.Minor*100, leads), Currency: cur, Valid: true}
	}
	if r.Revenue.Valid && r.Spend.Minor > 0 {
		r.ROAS = Ratio{Num: r.Revenue.Minor, Den: r.Spend.Minor, Valid: true}
	}
}

// totals sums rows figure by figure: an amount is missing in the total when it is in any row.
type totals struct{ r Row }

func newTotals(cur string) *totals {
	return &totals{Row{Name: "Total", Spend: Money{Currency: cur, Valid: true}, Fees: Money{Currency: cur, Valid: true},
		Revenue: Money{Currency: cur, Valid: true}, Conversions: map[string]Count{}}}
}

func (t *totals) add(r Row) {
	sum := func(into *Money, m Money) {
		into.Minor += m.Minor
		into.Valid = into.Valid && m.Valid
	}
	sum(&t.r.Spend, r.Spend)
	sum(&t.r.Fees, r.Fees)
	sum(&t.r.Revenue, r.Revenue)
	t.r.Impressions += r.Impressions
	t.r.Clicks += r.Clicks
	t.r.Conversations += r.Conversations
	t.r.NewConversations += r.NewConversations
	t.r.Replies += r.Replies
	for k, v := range r.Conversions {
		t.r.Conversions[k] += v
	}
}

func (t *totals) row() Row {
	r := t.r
	for _, m := range []*Money{&r.Spend, &r.Fees, &r.Revenue} {
		if !m.Valid {
			m.Minor = 0
		}
	}
	r.ratios()
	return r
}

// rowName is what a row's key is called on screen.
func rowName(group string, sc scopeInfo, key string, a *acc) string {
	if key == "" {
		return Unattributed
	}
	campaign := func(id string) string {
		if c, ok := sc.campaigns[id]; ok {
			return c.Name
		}
		return id
	}
	switch group {
	case GroupBrand:
		if b, ok := sc.brands[key]; ok {
			return b.Name
		}
	case GroupCampaign:
		return campaign(key)
	case GroupVariant, GroupLink:
		for i := 0; i < len(key); i++ {
			if key[i] == '/' {
				return campaign(key[:i]) + " · " + key[i+1:]
			}
		}
	case GroupAd:
		if a.adName != "" {
			return a.adName
		}
		if o, ok := sc.ads[key]; ok {
			return campaign(o.campaign) + " · " + o.variant
		}
	}
	return key
}

// sortRows orders days and months in time, the others by name (then key), the unattributed row last.
func sortRows(group string, rows []Row) {
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if (a.Key == "") != (b.Key == "") {
			return b.Key == ""
		}
		if group != GroupDay && group != GroupMonth && a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Key < b.Key
	})
}
