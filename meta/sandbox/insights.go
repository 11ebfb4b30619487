package sandbox

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Insights (reference §5): GET /{object}/insights answers at once; POST /act_{id}/insights starts an async
// report run, GET /{report_run_id} reports its progress ("Job Not Started", "Job Running", then "Job
// Completed" from the third poll, as real jobs take a few polls) and GET /{report_run_id}/insights pages
// through its rows. Rows come from the hourly stats of delivery.go, summed per account day.

// routesInsights lists the Insights routes.
func (s *Sandbox) routesInsights() []route {
	return []route{
		{http.MethodGet, kindAccount, "insights", s.insights},
		{http.MethodGet, kindCampaign, "insights", s.insights},
		{http.MethodGet, kindAdSet, "insights", s.insights},
		{http.MethodGet, kindAd, "insights", s.insights},
		{http.MethodPost, kindAccount, "insights", s.startReport},
		{http.MethodGet, kindReportRun, "", s.reportStatus},
		{http.MethodGet, kindReportRun, "insights", s.reportRows},
	}
}

// Paging limits of Insights answers.
const (
	insightsPageSize    = 25
	insightsMaxPageSize = 500
)

// reportPollsToComplete is the poll at which a report run says "Job Completed".
const reportPollsToComplete = 3

// insights answers a synchronous Insights call on an account, campaign, ad set or ad.
func (s *Sandbox) insights(c *call) (any, *apiError) {
	acct, scope, e := s.insightsNode(c.Node)
	if e != nil {
		return nil, e
	}
	q, e := s.parseInsights(c.P, acct, scope)
	if e != nil {
		return nil, e
	}
	return pageRows(c, s.insightsRows(acct, q))
}

// insightsNode finds the account whose Insights a node's call reads, and the object it narrows them to.
func (s *Sandbox) insightsNode(node string) (*Account, insightsScope, *apiError) {
	switch s.kindOf(node) {
	case kindAccount:
		return s.account(node), insightsScope{level: "account"}, nil
	case kindCampaign:
		c := s.st.campaigns[node]
		return s.account(c.AccountID), insightsScope{level: "campaign", id: node}, nil
	case kindAdSet:
		a := s.st.adsets[node]
		return s.account(a.AccountID), insightsScope{level: "adset", id: node}, nil
	case kindAd:
		a := s.st.ads[node]
		return s.account(a.AccountID), insightsScope{level: "ad", id: node}, nil
	}
	return nil, insightsScope{}, notFound(node)
}

// startReport is POST /act_{id}/insights: the query is checked and computed now, and its rows are handed
// out once the job has "completed".
func (s *Sandbox) startReport(c *call) (any, *apiError) {
	acct := s.account(c.Node)
	q, e := s.parseInsights(c.P, acct, insightsScope{level: "account"})
	if e != nil {
		return nil, e
	}
	run := &ReportRun{ID: s.newID("report"), AccountID: acct.ID, Params: c.P, Created: s.sim,
		Rows: s.insightsRows(acct, q), DateStart: q.since.Format(time.DateOnly), DateStop: q.until.Format(time.DateOnly)}
	s.st.reports[run.ID] = run
	return map[string]any{"report_run_id": run.ID}, nil
}

// reportStatus is GET /{report_run_id}: each poll moves the job along.
func (s *Sandbox) reportStatus(c *call) (any, *apiError) {
	run := s.st.reports[c.Node]
	run.Polls++
	status, pct := "Job Not Started", 0
	switch {
	case run.Polls >= reportPollsToComplete:
		status, pct = "Job Completed", 100
	case run.Polls > 1:
		status, pct = "Job Running", 50
	}
	out := map[string]any{"id": run.ID, "account_id": strings.TrimPrefix(run.AccountID, "act_"),
		"time_ref": run.Created.Unix(), "async_status": status, "async_percent_completion": pct,
		"date_start": run.DateStart, "date_stop": run.DateStop, "is_running": pct < 100}
	if pct == 100 {
		out["time_completed"] = run.Created.Unix()
	}
	return out, nil
}

// reportRows is GET /{report_run_id}/insights, refused until the job has completed.
func (s *Sandbox) reportRows(c *call) (any, *apiError) {
	run := s.st.reports[c.Node]
	if run.Polls < reportPollsToComplete {
		return nil, invalidParam("Report %s is not ready yet: poll async_status until it is Job Completed", run.ID)
	}
	return pageRows(c, run.Rows)
}

// pageRows answers one page of rows with Graph's cursors (limit, after).
func pageRows(c *call, rows []map[string]any) (any, *apiError) {
	n, e := limit(c.P, insightsPageSize, insightsMaxPageSize)
	if e != nil {
		return nil, e
	}
	from, e := offset(c.P.str("after"))
	if e != nil {
		return nil, e
	}
	from = min(from, len(rows))
	to := min(from+n, len(rows))
	data := rows[from:to]
	if data == nil {
		data = []map[string]any{}
	}
	out := map[string]any{"data": data}
	if len(rows) > 0 {
		out["paging"] = paging(c, from, to-from, len(rows), n)
	}
	return out, nil
}

// insightsScope is the object an Insights call reads: an account, or one campaign, ad set or ad.
type insightsScope struct {
	level string
	id    string
}

// insightsQuery is a checked Insights request.
type insightsQuery struct {
	level        string
	since, until time.Time // account days, as UTC midnights, inclusive
	increment    int       // days per row; 0 is all_days, -1 monthly
	fields       []string
	filters      []insightsFilter
	scope        insightsScope
}

// insightsFilter is one entry of the filtering parameter.
type insightsFilter struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

// insightsLevels are the level enum, from the top.
var insightsLevels = []string{"account", "campaign", "adset", "ad"}

// datePresets are the date_preset values the sandbox computes.
var datePresets = []string{"today", "yesterday", "last_3d", "last_7d", "last_14d", "last_28d", "last_30d",
	"last_90d", "this_month", "last_month", "maximum"}

// maxRangeMonths is how far back Insights reach: 37 months.
const maxRangeMonths = 37

// parseInsights checks an Insights request as Meta does (code 100 naming the parameter; 3018 for ranges
// reaching further back than 37 months).
func (s *Sandbox) parseInsights(p params, acct *Account, scope insightsScope) (insightsQuery, *apiError) {
	q := insightsQuery{scope: scope, level: p.str("level")}
	if q.level == "" {
		q.level = scope.level
	}
	if e := oneOf("level", q.level, insightsLevels...); e != nil {
		return q, e
	}
	switch inc := p.str("time_increment"); inc {
	case "", "all_days":
	case "monthly":
		q.increment = -1
	default:
		n, err := strconv.Atoi(inc)
		if err != nil || n < 1 || n > 90 {
			return q, invalidParam("Param time_increment must be one of {1-90, monthly, all_days}")
		}
		q.increment = n
	}
	today := localDate(s.sim, location(acct.Timezone))
	if p.has("time_range") {
		var tr struct {
			Since string `json:"since"`
			Until string `json:"until"`
		}
		if e := p.decode("time_range", &tr); e != nil {
			return q, e
		}
		var err1, err2 error
		q.since, err1 = time.Parse(time.DateOnly, tr.Since)
		q.until, err2 = time.Parse(time.DateOnly, tr.Until)
		if err1 != nil || err2 != nil {
			return q, invalidParam("Param time_range must be a JSON object {\"since\":\"YYYY-MM-DD\",\"until\":\"YYYY-MM-DD\"} of valid dates")
		}
		if q.since.After(q.until) {
			return q, invalidParam("Param time_range is invalid: since (%s) must not be after until (%s)", tr.Since, tr.Until)
		}
	} else {
		preset := p.str("date_preset")
		if preset == "" {
			preset = "last_30d" // Meta's default
		}
		if e := oneOf("date_preset", preset, datePresets...); e != nil {
			return q, e
		}
		q.since, q.until = presetRange(preset, today)
	}
	oldest := today.AddDate(0, -maxRangeMonths, 0)
	if q.since.Before(oldest) || q.since.AddDate(0, maxRangeMonths, 0).Before(q.until) {
		return q, &apiError{Status: http.StatusBadRequest, Code: 3018, Type: "OAuthException",
			Message: "(#3018) The start date of the time range cannot be beyond 37 months from the current date"}
	}
	q.fields = p.list("fields")
	if len(q.fields) == 0 {
		q.fields = []string{"impressions", "spend"}
	}
	for _, f := range q.fields {
		if !insightsFields[f] {
			return q, invalidParam("%s is not valid for fields param. please check https://developers.facebook.com/docs/marketing-api/reference/ads-insights/ for all valid values", f)
		}
	}
	if e := p.decode("filtering", &q.filters); e != nil {
		return q, e
	}
	for _, f := range q.filters {
		if e := checkFilter(f); e != nil {
			return q, e
		}
	}
	return q, nil
}

// presetRange turns a date_preset into days, relative to the account's today. Meta's last_Nd presets end
// yesterday.
func presetRange(preset string, today time.Time) (since, until time.Time) {
	y, m, _ := today.Date()
	switch preset {
	case "today":
		return today, today
	case "yesterday":
		d := today.AddDate(0, 0, -1)
		return d, d
	case "this_month":
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC), today
	case "last_month":
		first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		return first.AddDate(0, -1, 0), first.AddDate(0, 0, -1)
	case "maximum":
		return today.AddDate(0, -maxRangeMonths, 0), today
	}
	n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(preset, "last_"), "d"))
	return today.AddDate(0, 0, -n), today.AddDate(0, 0, -1)
}

// checkFilter accepts filters on the object ids, the ones relance uses.
func checkFilter(f insightsFilter) *apiError {
	switch f.Field {
	case "ad.id", "adset.id", "campaign.id":
	default:
		return invalidParam("Param filtering: field %q is not supported", f.Field)
	}
	return oneOf("filtering", f.Operator, "EQUAL", "NOT_EQUAL", "IN", "NOT_IN")
}
