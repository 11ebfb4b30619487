package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"relance/attribution"
	"relance/fx"
	"relance/meta"
	"relance/reports"
)

// The dashboards' figures: every read the charts make goes through this file, so that it can be pointed at
// the report engine's rollups later without touching the screens. Today it reads the tables directly.
//
// Decisions:
//   - Spend is the ledger's rows of each day (the day of the ad account's zone, as Meta reports it) plus the
//     adjustments of that restated day: the chart shows what Meta says now, wherever finance booked it. Each
//     brand's spend of a day in one currency is converted at that day's rate (as the finance screen does),
//     then added up.
//   - Conversations are attribution's conversations (new and returning) started on the day of the scope's
//     zone; a campaign's are the conversations one of its touches started or continued.
//   - Conversions and revenue are the credited ones: conversions with a touch in the window, under the
//     default model and window (last touch, 7 days). A campaign's revenue is its share of the credit; its
//     conversions count each conversion it earned a share of once. Revenue converts at the conversion's day.
//   - A day (or campaign) whose spend or revenue needs a rate that is missing is Missing: its amounts are
//     not known and the screens show a gap, never a zero.
//   - Days are counted in 15-minute buckets in the database and placed in the zone's days here: every zone's
//     offset is a multiple of 15 minutes, so the buckets never straddle a midnight, and the query is the same
//     on SQLite and PostgreSQL.

// DashScope names whose figures a dashboard reads: all of an agency's brands, some of them, or one campaign.
type DashScope struct {
	TenantID string
	// All is every brand of the agency; otherwise BrandIDs (none: no figures).
	All      bool
	BrandIDs []string
	// CampaignID narrows the figures to one campaign of the brands in scope.
	CampaignID string
	// Zone is the IANA zone whose days conversations and conversions are counted in.
	Zone string
}

// DayPoint is one day's figures; amounts in the currency asked for, in its minor unit.
type DayPoint struct {
	Day           string
	Spend         int64
	Conversations int64
	Conversions   int64
	Revenue       int64
	// Missing says a rate was missing for some of the day's spend or revenue: Spend and Revenue are unknown.
	Missing bool
}

// TopCampaign is one campaign's figures over a range; amounts as in DayPoint.
type TopCampaign struct {
	CampaignID, BrandID, Name string
	Spend                     int64
	Conversations             int64
	Conversions               int64
	Revenue                   int64
	Missing                   bool
}

// Funnel is a campaign's sends by how far they went, and the conversions credited to it.
type Funnel struct {
	Sent, Delivered, Read, Replied, Converted int64
}

// BrandMonth is a brand's spend of a month in the reporting currency (as the finance screen totals it).
type BrandMonth struct {
	Month, BrandID string
	Spend          int64
	Missing        bool
}

// quarter is the bucket the database counts times in (milliseconds); quarterSQL the same in a query, written
// out so that PostgreSQL sees the select's and the group's expressions as one.
const (
	quarter    = 15 * 60 * 1000
	quarterSQL = "900000"
)

// dashChoice is the credit model and window the dashboards show.
var dashChoice = attribution.Choice{Model: attribution.DefaultModel, WindowDays: attribution.DefaultWindowDays}

// empty reports whether the scope covers nothing.
func (sc DashScope) empty() bool { return !sc.All && len(sc.BrandIDs) == 0 }

// where is the scope's filter on a table's tenant_id and brand_id columns (alias prefix p, "" or "t.").
func (sc DashScope) where(p string) (string, []any) {
	q, args := p+"tenant_id = ?", []any{sc.TenantID}
	if !sc.All {
		q += " AND " + p + "brand_id IN ?"
		args = append(args, sc.BrandIDs)
	}
	return q, args
}

// dayBounds are the epoch milliseconds of from's first instant and the instant after to in zone.
func dayBounds(from, to string, loc *time.Location) (int64, int64, error) {
	f, err := time.ParseInLocation(time.DateOnly, from, loc)
	if err != nil {
		return 0, 0, fmt.Errorf("web: dashboard from: %w", err)
	}
	t, err := time.ParseInLocation(time.DateOnly, to, loc)
	if err != nil {
		return 0, 0, fmt.Errorf("web: dashboard to: %w", err)
	}
	return f.UnixMilli(), t.AddDate(0, 0, 1).UnixMilli(), nil
}

// daysOf lists the days from from to to.
func daysOf(from, to string) []string {
	f, _ := time.Parse(time.DateOnly, from)
	t, _ := time.Parse(time.DateOnly, to)
	var out []string
	for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out
}

// amountKey is a sum of one currency: group (a campaign id, or ""), brand and the day its rate is read on.
type amountKey struct{ group, brand, currency, day string }

// amounts are sums to convert.
type amounts map[amountKey]int64

// convert adds the sums up per group and day in cur, each converted at its day's rate; missing holds the
// (group, day)s with a sum no rate converts.
func (a amounts) convert(t *fx.Table, cur string) (map[[2]string]int64, map[[2]string]bool, error) {
	out, missing := map[[2]string]int64{}, map[[2]string]bool{}
	for k, v := range a {
		gd := [2]string{k.group, k.day}
		m, err := t.Convert(meta.Money{Minor: v, Currency: k.currency}, cur, k.day)
		switch {
		case errors.Is(err, fx.ErrMissingRate), errors.Is(err, fx.ErrInvalid):
			missing[gd] = true
		case err != nil:
			return nil, nil, fmt.Errorf("web: dashboard convert: %w", err)
		default:
			out[gd] += m.Minor
		}
	}
	return out, missing, nil
}

// dashDays reads the scope's figures for each day from from to to (YYYY-MM-DD, in sc.Zone), amounts in cur.
func (s *Server) dashDays(ctx context.Context, sc DashScope, from, to, cur string) ([]DayPoint, error) {
	days, _, err := s.dashOverview(ctx, sc, from, to, cur, 0)
	return days, err
}

// dashTopCampaigns reads the campaigns of the scope with any figure from from to to, the most spent first
// (then the most conversations), at most limit.
func (s *Server) dashTopCampaigns(ctx context.Context, sc DashScope, from, to, cur string, limit int) ([]TopCampaign, error) {
	_, top, err := s.dashOverview(ctx, sc, from, to, cur, limit)
	return top, err
}

// dashOverview is dashDays and dashTopCampaigns (limit 0: none) from one read of the tables.
func (s *Server) dashOverview(ctx context.Context, sc DashScope, from, to, cur string, limit int) ([]DayPoint, []TopCampaign, error) {
	days := daysOf(from, to)
	out := make([]DayPoint, len(days))
	for i, d := range days {
		out[i].Day = d
	}
	if sc.empty() || len(days) == 0 {
		return out, nil, nil
	}
	f, err := s.dashFigures(ctx, sc, from, to, cur)
	if err != nil {
		return nil, nil, err
	}
	g := sc.CampaignID
	for i := range out {
		k := [2]string{g, out[i].Day}
		out[i].Spend, out[i].Revenue = f.spend[k], f.revenue[k]
		out[i].Conversations, out[i].Conversions = f.conversations[k], f.conversions[k]
		out[i].Missing = f.missing[k]
	}
	if limit <= 0 {
		return out, nil, nil
	}
	top, err := s.topOf(ctx, sc, f, limit)
	return out, top, err
}

// topOf adds each campaign's figures up over the days, names the campaigns and keeps the limit first.
func (s *Server) topOf(ctx context.Context, sc DashScope, f dashFigureSet, limit int) ([]TopCampaign, error) {
	by := map[string]*TopCampaign{}
	add := func(m map[[2]string]int64, set func(*TopCampaign, int64)) {
		for k, v := range m {
			if k[0] == "" {
				continue
			}
			c := by[k[0]]
			if c == nil {
				c = &TopCampaign{CampaignID: k[0]}
				by[k[0]] = c
			}
			set(c, v)
		}
	}
	add(f.spend, func(c *TopCampaign, v int64) { c.Spend += v })
	add(f.revenue, func(c *TopCampaign, v int64) { c.Revenue += v })
	add(f.conversations, func(c *TopCampaign, v int64) { c.Conversations += v })
	add(f.conversions, func(c *TopCampaign, v int64) { c.Conversions += v })
	for k := range f.missing {
		if c := by[k[0]]; c != nil {
			c.Missing = true
		} else if k[0] != "" {
			by[k[0]] = &TopCampaign{CampaignID: k[0], Missing: true}
		}
	}
	if len(by) == 0 {
		return nil, nil
	}
	out := make([]TopCampaign, 0, len(by))
	for _, c := range by {
		out = append(out, *c)
	}
	// The most spent first, then the most conversations; a campaign with a missing rate after the others.
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Missing != b.Missing {
			return !a.Missing
		}
		if a.Spend != b.Spend {
			return a.Spend > b.Spend
		}
		if a.Conversations != b.Conversations {
			return a.Conversations > b.Conversations
		}
		return a.CampaignID < b.CampaignID
	})
	out = out[:min(limit, len(out))]
	ids := make([]string, len(out))
	for i, c := range out {
		ids[i] = c.CampaignID
	}
	var names []struct{ ID, BrandID, Name string }
	if err := s.DB.R.WithContext(ctx).Raw("SELECT id, brand_id, name FROM campaigns WHERE tenant_id = ? AND id IN ?", sc.TenantID, ids).
		Scan(&names).Error; err != nil {
		return nil, fmt.Errorf("web: dashboard campaigns: %w", err)
	}
	named := make(map[string]int, len(names))
	for i, n := range names {
		named[n.ID] = i
	}
	kept := out[:0]
	for _, c := range out {
		if i, ok := named[c.CampaignID]; ok { // a deleted campaign's ads still spent: it is not listed
			c.BrandID, c.Name = names[i].BrandID, names[i].Name
			kept = append(kept, c)
		}
	}
	out = kept
	return out, nil
}

// dashFunnel counts a campaign's sends by how far they went (a read send was delivered and sent, and so
// on) and the conversions credited to it, ever.
func (s *Server) dashFunnel(ctx context.Context, sc DashScope) (Funnel, error) {
	var f Funnel
	var rows []struct {
		Status string
		N      int64
	}
	if err := s.DB.R.WithContext(ctx).Raw(`SELECT status, COUNT(*) AS n FROM campaign_sends WHERE tenant_id = ? AND campaign_id = ?
		GROUP BY status`, sc.TenantID, sc.CampaignID).Scan(&rows).Error; err != nil {
		return f, fmt.Errorf("web: dashboard funnel: %w", err)
	}
	for _, r := range rows {
		switch r.Status {
		case "replied":
			f.Replied += r.N
			fallthrough
		case "read":
			f.Read += r.N
			fallthrough
		case "delivered":
			f.Delivered += r.N
			fallthrough
		case "sent":
			f.Sent += r.N
		}
	}
	cs, err := s.dashCredited(ctx, sc, 0, math.MaxInt64, time.UTC)
	if err != nil {
		return f, err
	}
	for _, c := range cs {
		if _, ok := c.shares[sc.CampaignID]; ok {
			f.Converted++
		}
	}
	return f, nil
}

// dashBrandMonths reads each brand's spend of each month in months (YYYY-MM, in order) in the reporting
// currency, as the finance screen totals a month: the ledger's days and the adjustments booked in it.
func (s *Server) dashBrandMonths(ctx context.Context, tenantID string, months []string, reporting string) ([]BrandMonth, error) {
	if len(months) == 0 {
		return nil, nil
	}
	first, err := time.Parse("2006-01", months[0])
	if err != nil {
		return nil, fmt.Errorf("web: dashboard months: %w", err)
	}
	last, err := time.Parse("2006-01", months[len(months)-1])
	if err != nil {
		return nil, fmt.Errorf("web: dashboard months: %w", err)
	}
	// Adjustments convert at their restated day's rate, which may be months before the month they are in.
	rates, err := s.fxStore().Table(ctx, tenantID, first.AddDate(-1, 0, 0).Format(time.DateOnly), last.AddDate(0, 1, -1).Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	l := reports.NewLedger(s.DB, tenantID, nil)
	var out []BrandMonth
	for _, m := range months {
		sp, err := l.MonthSpend(ctx, m, reporting, rates, nil)
		if err != nil {
			return nil, err
		}
		per := map[string]*BrandMonth{}
		var order []string
		for _, b := range sp.Brands {
			bm := per[b.BrandID]
			if bm == nil {
				bm = &BrandMonth{Month: m, BrandID: b.BrandID}
				per[b.BrandID] = bm
				order = append(order, b.BrandID)
			}
			if b.Reporting == nil {
				bm.Missing = true
			} else {
				bm.Spend += *b.Reporting
			}
		}
		for _, id := range order {
			out = append(out, *per[id])
		}
	}
	return out, nil
}

// dashFigureSet is a scope's figures per (group, day): group is a campaign id, or "" for the whole scope.
type dashFigureSet struct {
	spend, revenue             map[[2]string]int64
	conversations, conversions map[[2]string]int64
	missing                    map[[2]string]bool
}

// dashFigures reads and converts the scope's figures from from to to: per campaign and, unless the scope is
// one campaign, for the whole scope.
func (s *Server) dashFigures(ctx context.Context, sc DashScope, from, to, cur string) (dashFigureSet, error) {
	out := dashFigureSet{conversations: map[[2]string]int64{}, conversions: map[[2]string]int64{}}
	loc := zone(sc.Zone)
	lo, hi, err := dayBounds(from, to, loc)
	if err != nil {
		return out, err
	}
	rates, err := s.fxStore().Table(ctx, sc.TenantID, from, to)
	if err != nil {
		return out, err
	}
	money := amounts{}
	if err := s.dashSpend(ctx, sc, from, to, money); err != nil {
		return out, err
	}
	if out.spend, out.missing, err = money.convert(rates, cur); err != nil {
		return out, err
	}
	if err := s.dashConversations(ctx, sc, lo, hi, loc, out.conversations); err != nil {
		return out, err
	}
	cs, err := s.dashCredited(ctx, sc, lo, hi, loc)
	if err != nil {
		return out, err
	}
	revenue := amounts{}
	for _, c := range cs {
		if len(c.shares) == 0 {
			continue
		}
		if sc.CampaignID == "" {
			out.conversions[[2]string{"", c.day}]++
			revenue[amountKey{"", c.brand, c.currency, c.day}] += c.value
		}
		for id, v := range c.shares {
			if id == "" || sc.CampaignID != "" && id != sc.CampaignID {
				continue
			}
			out.conversions[[2]string{id, c.day}]++
			revenue[amountKey{id, c.brand, c.currency, c.day}] += v
		}
	}
	rev, missing, err := revenue.convert(rates, cur)
	if err != nil {
		return out, err
	}
	out.revenue = rev
	for k := range missing {
		out.missing[k] = true
	}
	return out, nil
}

// dashSpend adds the scope's spend of each day from from to to into money: the ledger's and the adjustments
// of those days, per campaign (the ads relance launched for it: ads campaigns' and sponsored messages') and,
// unless the scope is one campaign, in all. The rows are read once, without a join, and placed here.
func (s *Server) dashSpend(ctx context.Context, sc DashScope, from, to string, money amounts) error {
	owner := map[string]string{}
	var ads []struct{ CampaignID, AdID string }
	q := `SELECT campaign_id, ad_id FROM campaign_meta_ads WHERE tenant_id = ? AND ad_id <> ''
		UNION SELECT campaign_id, ad_id FROM campaign_meta_runs WHERE tenant_id = ? AND ad_id <> ''`
	if err := s.DB.R.WithContext(ctx).Raw(q, sc.TenantID, sc.TenantID).Scan(&ads).Error; err != nil {
		return fmt.Errorf("web: dashboard ads: %w", err)
	}
	var mine []string
	for _, a := range ads {
		owner[a.AdID] = a.CampaignID
		if a.CampaignID == sc.CampaignID {
			mine = append(mine, a.AdID)
		}
	}
	if sc.CampaignID != "" && len(mine) == 0 {
		return nil
	}
	for _, table := range []string{"spend_days", "spend_adjustments"} {
		w, args := sc.where("")
		// month bounds the read by the ledger's (tenant, month, brand) index; day is the exact range.
		q := `SELECT ad_id, brand_id, currency, day, spend FROM ` + table + ` WHERE ` + w + ` AND day >= ? AND day <= ?`
		args = append(args, from, to)
		if table == "spend_days" { // an adjustment's month is where it is booked, not its day's
			q += " AND month >= ? AND month <= ?"
			args = append(args, from[:7], to[:7])
		}
		if sc.CampaignID != "" {
			q += " AND ad_id IN ?"
			args = append(args, mine)
		}
		rows, err := s.DB.R.WithContext(ctx).Raw(q, args...).Rows()
		if err != nil {
			return fmt.Errorf("web: dashboard spend: %w", err)
		}
		var ad, brand, cur, day string
		var v int64
		for rows.Next() {
			if err := rows.Scan(&ad, &brand, &cur, &day, &v); err != nil {
				rows.Close()
				return fmt.Errorf("web: dashboard spend: %w", err)
			}
			if c := owner[ad]; c != "" {
				money[amountKey{c, brand, cur, day}] += v
			}
			if sc.CampaignID == "" {
				money[amountKey{"", brand, cur, day}] += v
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("web: dashboard spend: %w", err)
		}
	}
	return nil
}

// dashConversations counts the conversations started from lo to hi per zone day: the scope's and, each
// once, those of every campaign that touched them.
func (s *Server) dashConversations(ctx context.Context, sc DashScope, lo, hi int64, loc *time.Location, into map[[2]string]int64) error {
	type bucket struct {
		CampaignID string
		Q          int64
		N          int64
	}
	var rows []bucket
	w, args := sc.where("")
	if sc.CampaignID == "" {
		var all []bucket
		if err := s.DB.R.WithContext(ctx).Raw(`SELECT '' AS campaign_id, started_at / `+quarterSQL+` AS q, COUNT(*) AS n FROM attr_conversations
			WHERE `+w+` AND started_at >= ? AND started_at < ? GROUP BY started_at / `+quarterSQL,
			append(args, lo, hi)...).Scan(&all).Error; err != nil {
			return fmt.Errorf("web: dashboard conversations: %w", err)
		}
		rows = append(rows, all...)
	}
	q := `SELECT campaign_id, conversation_at / ` + quarterSQL + ` AS q, COUNT(*) AS n FROM (SELECT DISTINCT campaign_id, page_id, psid, conversation_at
		FROM attr_touches WHERE ` + w + ` AND campaign_id <> '' AND conversation_at >= ? AND conversation_at < ?`
	args = append(args, lo, hi)
	if sc.CampaignID != "" {
		q += " AND campaign_id = ?"
		args = append(args, sc.CampaignID)
	}
	q += ") t GROUP BY campaign_id, conversation_at / " + quarterSQL
	var touched []bucket
	if err := s.DB.R.WithContext(ctx).Raw(q, args...).Scan(&touched).Error; err != nil {
		return fmt.Errorf("web: dashboard campaign conversations: %w", err)
	}
	for _, r := range append(rows, touched...) {
		into[[2]string{r.CampaignID, time.UnixMilli(r.Q * quarter).In(loc).Format(time.DateOnly)}] += r.N
	}
	return nil
}

// creditedConversion is a conversion with its day in the zone and its value's shares by campaign id ("" for
// outside ads); no shares when no touch is in its window.
type creditedConversion struct {
	brand, currency, day string
	value                int64
	shares               map[string]int64
}

// dashCredited reads the scope's conversions from lo to hi (epoch ms) with their credit under dashChoice:
// for one campaign, only the conversions of people it touched in the window.
func (s *Server) dashCredited(ctx context.Context, sc DashScope, lo, hi int64, loc *time.Location) ([]creditedConversion, error) {
	window := dashChoice.Window().Milliseconds()
	w, args := sc.where("c.")
	q := `SELECT c.brand_id, c.page_id, c.psid, c.value, c.currency, c.occurred_at FROM conversions c
		WHERE ` + w + ` AND c.occurred_at >= ? AND c.occurred_at < ?`
	args = append(args, lo, hi)
	if sc.CampaignID != "" {
		q += ` AND EXISTS (SELECT 1 FROM attr_touches x WHERE x.tenant_id = c.tenant_id AND x.brand_id = c.brand_id
			AND x.page_id = c.page_id AND x.psid = c.psid AND x.campaign_id = ? AND x.at <= c.occurred_at AND x.at >= c.occurred_at - ?)`
		args = append(args, sc.CampaignID, window)
	}
	var convs []struct {
		BrandID, PageID string
		PSID            string `gorm:"column:psid"`
		Value           int64
		Currency        string
		OccurredAt      int64
	}
	if err := s.DB.R.WithContext(ctx).Raw(q, args...).Scan(&convs).Error; err != nil {
		return nil, fmt.Errorf("web: dashboard conversions: %w", err)
	}
	if len(convs) == 0 {
		return nil, nil
	}
	minAt, maxAt := int64(math.MaxInt64), int64(math.MinInt64)
	for _, c := range convs {
		minAt, maxAt = min(minAt, c.OccurredAt), max(maxAt, c.OccurredAt)
	}
	w, args = sc.where("t.")
	q = `SELECT t.id, t.brand_id, t.page_id, t.psid, t.type, t.campaign_id, t.at FROM attr_touches t
		WHERE ` + w + ` AND t.at >= ? AND t.at <= ?`
	args = append(args, minAt-window, maxAt)
	if sc.CampaignID != "" {
		q += ` AND EXISTS (SELECT 1 FROM attr_touches x WHERE x.tenant_id = t.tenant_id AND x.brand_id = t.brand_id
			AND x.page_id = t.page_id AND x.psid = t.psid AND x.campaign_id = ?)`
		args = append(args, sc.CampaignID)
	}
	var touches []struct {
		ID, BrandID, PageID string
		PSID                string `gorm:"column:psid"`
		Type, CampaignID    string
		At                  int64
	}
	if err := s.DB.R.WithContext(ctx).Raw(q, args...).Scan(&touches).Error; err != nil {
		return nil, fmt.Errorf("web: dashboard touches: %w", err)
	}
	byContact := map[[3]string][]attribution.Touch{}
	for _, t := range touches {
		k := [3]string{t.BrandID, t.PageID, t.PSID}
		byContact[k] = append(byContact[k], attribution.Touch{ID: t.ID, Type: t.Type, CampaignID: t.CampaignID, At: time.UnixMilli(t.At)})
	}
	out := make([]creditedConversion, 0, len(convs))
	for _, c := range convs {
		at := time.UnixMilli(c.OccurredAt)
		cc := creditedConversion{brand: c.BrandID, currency: strings.ToUpper(c.Currency), day: at.In(loc).Format(time.DateOnly), value: c.Value}
		for _, sh := range attribution.Credit(dashChoice, at, c.Value, byContact[[3]string{c.BrandID, c.PageID, c.PSID}]) {
			if cc.shares == nil {
				cc.shares = map[string]int64{}
			}
			cc.shares[sh.Touch.CampaignID] += sh.Minor
		}
		out = append(out, cc)
	}
	return out, nil
}
