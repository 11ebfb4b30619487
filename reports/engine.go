package reports

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"

	"relance/attribution"
	"relance/database"
	"relance/fx"
	"relance/meta"
	"relance/tenancy"
)

// Report groupings (DESIGN §5 "Reports and exports").
const (
	GroupBrand    = "brand"
	GroupCampaign = "campaign"
	GroupVariant  = "variant"
	GroupAd       = "ad"
	GroupLink     = "link"
	GroupDay      = "day"
	GroupMonth    = "month"
)

// Groups lists the groupings a report takes.
var Groups = []string{GroupBrand, GroupCampaign, GroupVariant, GroupAd, GroupLink, GroupDay, GroupMonth}

// MaxReportDays bounds a report's range (two years).
const MaxReportDays = 731

// Query is what a report asks for. From and To are inclusive days (YYYY-MM-DD): a brand's conversations
// and conversions by the brand's zone, spend by its ad account's. AllBrands or Brands is the caller's scope
// (the brands it may see); Brand and Campaign narrow it and must lie within it. Model, Window and Currency
// default to last_touch, 7 days and the agency's reporting currency (the caller passes it).
type Query struct {
	From, To  string
	Group     string
	AllBrands bool
	Brands    []string
	Brand     string
	Campaign  string
	Model     string
	Window    int
	Currency  string
}

// Row is one line of a report: its key (a brand, campaign, "campaign/variant", ad, "campaign/link", day or
// month; "" for what no key credits) and its figures, amounts in the report's currency. An amount converted
// with a missing rate is invalid (null in JSON), never 0; so are the ratios it makes.
type Row struct {
	Key              string           `json:"key"`
	Name             string           `json:"name"`
	Spend            Money            `json:"spend"`
	Fees             Money            `json:"fees"`
	Impressions      int64            `json:"impressions"`
	Clicks           int64            `json:"clicks"`
	Conversations    int64            `json:"conversations"`
	NewConversations int64            `json:"new_conversations"`
	Replies          int64            `json:"replies"`
	Conversions      map[string]Count `json:"conversions"`
	Revenue          Money            `json:"revenue"`
	// CostPerConversation is Spend ÷ Conversations, CostPerLead Spend ÷ the credited leads, ROAS Revenue ÷
	// Spend (media spend, fees aside); invalid when the divisor is 0 or a figure is missing.
	CostPerConversation Money `json:"cost_per_conversation"`
	CostPerLead         Money `json:"cost_per_lead"`
	ROAS                Ratio `json:"roas"`
}

// MissingRate is a currency without a rate to the report's currency on a day.
type MissingRate struct {
	Currency string `json:"currency"`
	Day      string `json:"day"`
}

// Report is a report's answer: Totals is the sum of Rows, figure by figure (the ratios computed from it).
type Report struct {
	From         string        `json:"from"`
	To           string        `json:"to"`
	Group        string        `json:"group"`
	Model        string        `json:"model"`
	Window       int           `json:"window"`
	Currency     string        `json:"currency"`
	Rows         []Row         `json:"rows"`
	Totals       Row           `json:"totals"`
	MissingRates []MissingRate `json:"missing_rates"`
}

// Engine answers reports from the rollups (report_days, report_credits) and the spend ledger: it never
// reads messages, conversations or touches.
type Engine struct {
	db *database.DB
	fx *fx.Store
}

// NewEngine makes a report engine over db.
func NewEngine(db *database.DB) *Engine { return &Engine{db: db, fx: fx.NewStore(db, nil)} }

// scopeInfo is what a checked query found of the agency: its brands and campaigns in scope.
type scopeInfo struct {
	brands    map[string]tenancy.Brand
	campaigns map[string]campaignInfo
	ads       map[string]adOwner
}

type campaignInfo struct{ BrandID, Name string }
type adOwner struct{ campaign, variant string }

// Check validates q and fills its defaults; a bad parameter is a 422 naming it. A brand or campaign outside
// the caller's scope gets the same answer as one that does not exist.
func (e *Engine) Check(ctx context.Context, tenantID string, q Query) (Query, error) {
	q, _, err := e.check(ctx, tenantID, q)
	return q, err
}

func (e *Engine) check(ctx context.Context, tenantID string, q Query) (Query, scopeInfo, error) {
	bad := map[string]string{}
	checkDays(q.From, q.To, MaxReportDays, bad)
	if q.Group == "" {
		q.Group = GroupCampaign
	}
	ok := false
	for _, g := range Groups {
		ok = ok || g == q.Group
	}
	if !ok {
		bad["group"] = "must be one of " + strings.Join(Groups, ", ")
	}
	if q.Model == "" {
		q.Model = attribution.DefaultModel
	}
	if q.Window == 0 {
		q.Window = attribution.DefaultWindowDays
	}
	switch q.Model {
	case attribution.ModelLastTouch, attribution.ModelFirstTouch, attribution.ModelLinear:
	default:
		bad["model"] = "must be one of last_touch, first_touch, linear"
	}
	if !slices.Contains(attribution.WindowDays, q.Window) {
		bad["window"] = "must be 1, 7 or 28 (days after the touch)"
	}
	if len(q.Currency) != 3 || strings.ToUpper(q.Currency) != q.Currency || meta.ISOMinorDigits(q.Currency) < 0 {
		bad["currency"] = "must be an ISO 4217 currency code such as EUR"
	}
	if len(bad) > 0 {
		return q, scopeInfo{}, &tenancy.ValidationError{Fields: bad}
	}
	sc, err := e.scope(ctx, tenantID, q)
	if err != nil {
		return q, sc, err
	}
	if q.Brand != "" {
		if _, ok := sc.brands[q.Brand]; !ok {
			bad["brand"] = "names no brand you can see"
		}
	}
	if q.Campaign != "" {
		c, ok := sc.campaigns[q.Campaign]
		if !ok || (q.Brand != "" && c.BrandID != q.Brand) {
			bad["campaign"] = "names no campaign you can see"
		}
	}
	if len(bad) > 0 {
		return q, sc, &tenancy.ValidationError{Fields: bad}
	}
	return q, sc, nil
}

// scope loads the brands the caller may see, their campaigns and the ads relance launched for them.
func (e *Engine) scope(ctx context.Context, tenantID string, q Query) (scopeInfo, error) {
	sc := scopeInfo{brands: map[string]tenancy.Brand{}, campaigns: map[string]campaignInfo{}, ads: map[string]adOwner{}}
	var bs []tenancy.Brand
	if err := e.db.R.WithContext(ctx).Where("tenant_id = ?", tenantID).Find(&bs).Error; err != nil {
		return sc, fmt.Errorf("reports: report: brands: %w", err)
	}
	allowed := map[string]bool{}
	for _, id := range q.Brands {
		allowed[id] = true
	}
	for _, b := range bs {
		if q.AllBrands || allowed[b.ID] {
			sc.brands[b.ID] = b
		}
	}
	var cs []struct{ ID, BrandID, Name string }
	if err := e.db.R.WithContext(ctx).Raw("SELECT id, brand_id, name FROM campaigns WHERE tenant_id = ?", tenantID).Scan(&cs).Error; err != nil {
		return sc, fmt.Errorf("reports: report: campaigns: %w", err)
	}
	for _, c := range cs {
		if _, ok := sc.brands[c.BrandID]; ok {
			sc.campaigns[c.ID] = campaignInfo{BrandID: c.BrandID, Name: c.Name}
		}
	}
	var ads []struct{ AdID, CampaignID, Variant string }
	if err := e.db.R.WithContext(ctx).Raw("SELECT ad_id, campaign_id, variant FROM campaign_meta_ads WHERE tenant_id = ? AND ad_id <> ''", tenantID).
		Scan(&ads).Error; err != nil {
		return sc, fmt.Errorf("reports: report: ads: %w", err)
	}
	for _, a := range ads {
		sc.ads[a.AdID] = adOwner{a.CampaignID, a.Variant}
	}
	return sc, nil
}

// fact is one rollup or ledger line as the report groups it.
type fact struct {
	brand, day, campaign, variant, ad, link string
}

// groupKey is the key of f's row under group g.
func groupKey(g string, f fact) string {
	switch g {
	case GroupBrand:
		return f.brand
	case GroupCampaign:
		return f.campaign
	case GroupVariant:
		if f.campaign == "" {
			return ""
		}
		return f.campaign + "/" + f.variant
	case GroupAd:
		return f.ad
	case GroupLink:
		if f.link == "" {
			return ""
		}
		return f.campaign + "/" + f.link
	case GroupDay:
		return f.day
	}
	return f.day[:7]
}

// part is a row's amounts in one currency on one day, for one brand (fees are the brand's).
type part struct{ brand, currency, day string }

// acc gathers a row's figures before conversion.
type acc struct {
	spend, revenue                                        map[part]int64
	impressions, clicks, conversations, newConvs, replies int64
	conversions                                           map[string]int64
	adName                                                string
}

// merge adds b's figures to a.
func (a *acc) merge(b *acc) {
	for k, v := range b.spend {
		a.spend[k] += v
	}
	for k, v := range b.revenue {
		a.revenue[k] += v
	}
	for k, v := range b.conversions {
		a.conversions[k] += v
	}
	a.impressions += b.impressions
	a.clicks += b.clicks
	a.conversations += b.conversations
	a.newConvs += b.newConvs
	a.replies += b.replies
	if a.adName == "" {
		a.adName = b.adName
	}
}

func newAcc() *acc {
	return &acc{spend: map[part]int64{}, revenue: map[part]int64{}, conversions: map[string]int64{}}
}

// Report answers q for the agency tenantID; q is checked first (see Check).
func (e *Engine) Report(ctx context.Context, tenantID string, q Query) (Report, error) {
	q, sc, err := e.check(ctx, tenantID, q)
	if err != nil {
		return Report{}, err
	}
	out := Report{From: q.From, To: q.To, Group: q.Group, Model: q.Model, Window: q.Window, Currency: q.Currency,
		Rows: []Row{}, MissingRates: []MissingRate{}}
	// The rollups, the ledger and the rates are read at once, each into its own rows (merged below): on
	// the read pool they overlap instead of adding up.
	filter, args := e.filter(q, sc)
	parts := [3]map[string]*acc{}
	getter := func(i int) func(fact) *acc {
		rows := map[string]*acc{}
		parts[i] = rows
		return func(f fact) *acc {
			k := groupKey(q.Group, f)
			a := rows[k]
			if a == nil {
				a = newAcc()
				rows[k] = a
			}
			return a
		}
	}
	var table *fx.Table
	var g errgroup.Group
	getDays, getCredits, getSpend := getter(0), getter(1), getter(2)
	g.Go(func() error { return e.readDays(ctx, tenantID, q, filter, args, getDays) })
	g.Go(func() error { return e.readCredits(ctx, tenantID, q, filter, args, getCredits) })
	g.Go(func() error { return e.readSpend(ctx, tenantID, q, sc, getSpend) })
	g.Go(func() error {
		t, err := e.fx.Table(ctx, tenantID, q.From, q.To)
		if err != nil {
			return fmt.Errorf("reports: report: %w", err)
		}
		table = t
		return nil
	})
	if err := g.Wait(); err != nil {
		return out, err
	}
	rows := parts[0]
	for _, p := range parts[1:] {
		for k, a := range p {
			if r := rows[k]; r != nil {
				r.merge(a)
			} else {
				rows[k] = a
			}
		}
	}
	conv := newConverter(table, q.Currency)
	missing := map[MissingRate]bool{}
	total := newTotals(q.Currency)
	for k, a := range rows {
		r := e.row(q, sc, conv, k, a, missing)
		total.add(r)
		out.Rows = append(out.Rows, r)
	}
	sortRows(q.Group, out.Rows)
	out.Totals = total.row()
	for m := range missing {
		out.MissingRates = append(out.MissingRates, m)
	}
	sort.Slice(out.MissingRates, func(i, j int) bool {
		if out.MissingRates[i].Currency != out.MissingRates[j].Currency {
			return out.MissingRates[i].Currency < out.MissingRates[j].Currency
		}
		return out.MissingRates[i].Day < out.MissingRates[j].Day
	})
	return out, nil
}

// filter is the rollups' scope condition: the brand, or the brands in scope (always a list, so that the
// reads walk the primary key brand by brand over the days, not an index of days and the rows behind it), and
// the campaign.
func (e *Engine) filter(q Query, sc scopeInfo) (string, []any) {
	ids := []string{q.Brand}
	if q.Brand == "" {
		ids = make([]string, 0, len(sc.brands)+1)
		for id := range sc.brands {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		if len(ids) == 0 {
			ids = []string{""}
		}
	}
	where, args := " AND brand_id IN ?", []any{ids}
	if q.Campaign != "" {
		where, args = where+" AND campaign_id = ?", append(args, q.Campaign)
	}
	return where, args
}

// keyColumns are the rollup columns a grouping keeps apart, as select expressions in fact order (brand, day,
// campaign, variant, ad, link); the others are read as ”. extra names columns the caller needs kept apart too.
func keyColumns(group string, extra ...string) (sel, by string) {
	keep := map[string]bool{}
	for _, c := range extra {
		keep[c] = true
	}
	switch group {
	case GroupBrand:
		keep["brand_id"] = true
	case GroupCampaign:
		keep["campaign_id"] = true
	case GroupVariant:
		keep["campaign_id"], keep["variant"] = true, true
	case GroupAd:
		keep["ad_id"] = true
	case GroupLink:
		keep["campaign_id"], keep["link"] = true, true
	case GroupDay:
		keep["day"] = true
	}
	var sels, bys []string
	for _, c := range []string{"brand_id", "day", "campaign_id", "variant", "ad_id", "link"} {
		switch {
		case keep[c]:
			sels, bys = append(sels, c), append(bys, c)
		case c == "day" && group == GroupMonth:
			sels, bys = append(sels, "substr(day, 1, 7) || '-01'"), append(bys, "substr(day, 1, 7)")
		default:
			sels = append(sels, "''")
		}
	}
	return strings.Join(sels, ", "), strings.Join(bys, ", ")
}

// readDays adds the conversations, new conversations and replies of report_days.
func (e *Engine) readDays(ctx context.Context, tenantID string, q Query, filter string, args []any, get func(fact) *acc) error {
	sel, by := keyColumns(q.Group)
	rs, err := e.db.R.WithContext(ctx).Raw(`SELECT `+sel+`, SUM(conversations), SUM(new_conversations), SUM(replies)
		FROM report_days WHERE tenant_id = ? AND day >= ? AND day <= ?`+filter+` GROUP BY `+by,
		append([]any{tenantID, q.From, q.To}, args...)...).Rows()
	if err != nil {
		return fmt.Errorf("reports: report: days: %w", err)
	}
	defer func() { _ = rs.Close() }()
	var f fact
	var c, n, r int64
	for rs.Next() {
		if err := rs.Scan(&f.brand, &f.day, &f.campaign, &f.variant, &f.ad, &f.link, &c, &n, &r); err != nil {
			return fmt.Errorf("reports: report: days: %w", err)
		}
		a := get(f)
		a.conversations += c
		a.newConvs += n
		a.replies += r
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("reports: report: days: %w", err)
	}
	return nil
}

// readCredits adds the conversions and revenue credited under q's model and window.
func (e *Engine) readCredits(ctx context.Context, tenantID string, q Query, filter string, args []any, get func(fact) *acc) error {
	// Revenue converts at its day's rate: days and currencies stay apart whatever the grouping. Grouped in
	// the covering index's own order, the lines are summed as they are read, without a sort.
	rs, err := e.db.R.WithContext(ctx).Raw(`SELECT brand_id, day, campaign_id, variant, ad_id, link, type, currency, SUM(count_centi), SUM(value)
		FROM report_credits WHERE tenant_id = ? AND model = ? AND window_days = ? AND day >= ? AND day <= ?`+filter+`
		GROUP BY day, brand_id, campaign_id, variant, ad_id, link, type, currency`,
		append([]any{tenantID, q.Model, q.Window, q.From, q.To}, args...)...).Rows()
	if err != nil {
		return fmt.Errorf("reports: report: credits: %w", err)
	}
	defer func() { _ = rs.Close() }()
	var f fact
	var typ, cur string
	var n, v int64
	for rs.Next() {
		if err := rs.Scan(&f.brand, &f.day, &f.campaign, &f.variant, &f.ad, &f.link, &typ, &cur, &n, &v); err != nil {
			return fmt.Errorf("reports: report: credits: %w", err)
		}
		a := get(f)
		a.conversions[typ] += n
		a.revenue[part{f.brand, cur, f.day}] += v
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("reports: report: credits: %w", err)
	}
	return nil
}

// readSpend adds the ledger's spend, impressions and clicks (and the adjustments restating the range's
// days), each ad credited to the campaign and variant relance launched it for.
func (e *Engine) readSpend(ctx context.Context, tenantID string, q Query, sc scopeInfo, get func(fact) *acc) error {
	where, args := "tenant_id = ? AND day >= ? AND day <= ?", []any{tenantID, q.From, q.To}
	adjWhere, adjArgs := "tenant_id = ? AND day >= ? AND day <= ?", []any{tenantID, q.From, q.To}
	ids := []string{q.Brand}
	if q.Brand == "" {
		ids = []string{""}
		for id := range sc.brands {
			ids = append(ids, id)
		}
	}
	where, args = where+" AND brand_id IN ?", append(args, ids)
	adjWhere, adjArgs = adjWhere+" AND brand_id IN ?", append(adjArgs, ids)
	for i, src := range []struct {
		sql  string
		args []any
	}{
		{`SELECT brand_id, ad_id, day, currency, spend, impressions, clicks, ad_name FROM spend_days WHERE ` + where, args},
		{`SELECT brand_id, ad_id, day, currency, spend, impressions, clicks, '' FROM spend_adjustments WHERE ` + adjWhere, adjArgs},
	} {
		rs, err := e.db.R.WithContext(ctx).Raw(src.sql, src.args...).Rows()
		if err != nil {
			return fmt.Errorf("reports: report: spend: %w", err)
		}
		var f fact
		var cur, name string
		var sp, imp, clk int64
		for rs.Next() {
			if err := rs.Scan(&f.brand, &f.ad, &f.day, &cur, &sp, &imp, &clk, &name); err != nil {
				_ = rs.Close()
				return fmt.Errorf("reports: report: spend: %w", err)
			}
			o := sc.ads[f.ad]
			if q.Campaign != "" && o.campaign != q.Campaign {
				continue
			}
			f.campaign, f.variant = o.campaign, o.variant
			a := get(f)
			a.spend[part{f.brand, cur, f.day}] += sp
			a.impressions += imp
			a.clicks += clk
			if i == 0 && name != "" {
				a.adName = name
			}
		}
		err = rs.Err()
		_ = rs.Close()
		if err != nil {
			return fmt.Errorf("reports: report: spend: %w", err)
		}
	}
	return nil
}
