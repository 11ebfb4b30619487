package meta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Insights (reference §5): spend and results per ad and day. Meta answers counts and amounts as strings;
// spend is a decimal in the account currency's units, read here exactly with ParseDecimal.

// Errors of the Insights calls; test with errors.Is.
var (
	ErrInsightsQuery = errors.New("meta: invalid insights query")
	ErrReportFailed  = errors.New("meta: insights report failed")
)

// Insights levels, time increments and the messaging action types relance reads.
const (
	LevelAd       = "ad"
	LevelAdSet    = "adset"
	LevelCampaign = "campaign"
	LevelAccount  = "account"

	IncrementDaily = "1"
	IncrementAll   = "all_days"

	ActionConversationStarted = "onsite_conversion.messaging_conversation_started_7d"
	ActionFirstReply          = "onsite_conversion.messaging_first_reply"
	ActionMessagingConnection = "onsite_conversion.total_messaging_connection"
)

// DefaultInsightsFields are the fields asked for when a query names none.
var DefaultInsightsFields = []string{"account_id", "campaign_id", "adset_id", "ad_id", "ad_name", "spend",
	"impressions", "reach", "clicks", "actions", "account_currency", "date_start", "date_stop"}

// InsightsQuery is what an Insights call asks for.
type InsightsQuery struct {
	Level string // LevelAd, LevelAdSet, LevelCampaign or LevelAccount (default LevelAd)
	// Since and Until are account-time-zone days, "YYYY-MM-DD", inclusive; both empty uses DatePreset.
	Since, Until string
	DatePreset   string   // today, yesterday, last_7d, … when Since and Until are empty
	Fields       []string // default DefaultInsightsFields; account_currency is always added (spend needs it)
	// TimeIncrement is IncrementDaily (default), IncrementAll, another day count, or "monthly".
	TimeIncrement string
	Limit         int // rows per page (default 100)
}

// InsightsRow is one row of Insights. Counts missing from the answer are zero.
type InsightsRow struct {
	AccountID, CampaignID, AdSetID, AdID, AdName string
	DateStart, DateStop                          string
	Spend                                        Money
	Impressions, Reach, Clicks                   int64
	Actions                                      map[string]int64 // by action_type
}

// values checks q and writes its parameters.
func (q InsightsQuery) values() (url.Values, error) {
	level := q.Level
	if level == "" {
		level = LevelAd
	}
	if !slices.Contains([]string{LevelAd, LevelAdSet, LevelCampaign, LevelAccount}, level) {
		return nil, fmt.Errorf("%w: level %q", ErrInsightsQuery, q.Level)
	}
	inc := q.TimeIncrement
	if inc == "" {
		inc = IncrementDaily
	}
	v := url.Values{"level": {level}, "time_increment": {inc}}
	switch {
	case q.Since != "" || q.Until != "":
		since, err1 := time.Parse(time.DateOnly, q.Since)
		until, err2 := time.Parse(time.DateOnly, q.Until)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: since %q and until %q must be YYYY-MM-DD days", ErrInsightsQuery, q.Since, q.Until)
		}
		if since.After(until) {
			return nil, fmt.Errorf("%w: since %s is after until %s", ErrInsightsQuery, q.Since, q.Until)
		}
		tr, _ := json.Marshal(map[string]string{"since": q.Since, "until": q.Until})
		v.Set("time_range", string(tr))
	case q.DatePreset != "":
		v.Set("date_preset", q.DatePreset)
	}
	fields := q.Fields
	if len(fields) == 0 {
		fields = DefaultInsightsFields
	}
	if !slices.Contains(fields, "account_currency") {
		fields = append(slices.Clip(fields), "account_currency")
	}
	v.Set("fields", strings.Join(fields, ","))
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	v.Set("limit", strconv.Itoa(limit))
	return v, nil
}

// Insights reads an ad account's Insights, following the pages to the end.
func (c *Client) Insights(ctx context.Context, token, accountID string, q InsightsQuery) ([]InsightsRow, error) {
	v, err := q.values()
	if err != nil {
		return nil, err
	}
	return c.insightsPages(ctx, token, adAccountNode(accountID)+"/insights", v)
}

// insightsPages reads every page of an Insights edge, following paging.next as Meta gives it (reference §3):
// it repeats the whole query with the next cursor, so nothing is rebuilt on relance's side.
func (c *Client) insightsPages(ctx context.Context, token, path string, v url.Values) ([]InsightsRow, error) {
	var rows []InsightsRow
	r := request{method: "GET", path: path, token: token, query: v}
	for {
		var page struct {
			Data   []wireInsightsRow `json:"data"`
			Paging Paging            `json:"paging"`
		}
		if err := c.call(ctx, r, &page); err != nil {
			return nil, err
		}
		for _, w := range page.Data {
			row, err := w.row()
			if err != nil {
				return nil, err
			}
			rows = append(rows, row)
		}
		if page.Paging.Next == "" || len(page.Data) == 0 {
			return rows, nil
		}
		r = request{method: "GET", path: path, token: token, next: page.Paging.Next}
	}
}

// wireInsightsRow is a row as Meta sends it; numbers may come as strings or as numbers.
type wireInsightsRow struct {
	AccountID   flexID       `json:"account_id"`
	CampaignID  flexID       `json:"campaign_id"`
	AdSetID     flexID       `json:"adset_id"`
	AdID        flexID       `json:"ad_id"`
	AdName      string       `json:"ad_name"`
	DateStart   string       `json:"date_start"`
	DateStop    string       `json:"date_stop"`
	Currency    string       `json:"account_currency"`
	Spend       flexID       `json:"spend"`
	Impressions flexID       `json:"impressions"`
	Reach       flexID       `json:"reach"`
	Clicks      flexID       `json:"clicks"`
	Actions     []wireAction `json:"actions"`
}

// wireAction is one {action_type, value} of actions.
type wireAction struct {
	Type  string `json:"action_type"`
	Value flexID `json:"value"`
}

// flexID reads a JSON string or number as its text, without going through float.
type flexID string

// UnmarshalJSON accepts "123", 123 and null.
func (f *flexID) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("meta: insights value %s is neither a string nor a number", b)
	}
	*f = flexID(n.String())
	return nil
}

// count reads an integer count ("" is 0).
func (f flexID) count(name string) (int64, error) {
	if f == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(string(f), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("meta: insights %s %q is not an integer", name, string(f))
	}
	return n, nil
}

// row converts a wire row, reading spend exactly in the row's currency.
func (w wireInsightsRow) row() (InsightsRow, error) {
	r := InsightsRow{AccountID: string(w.AccountID), CampaignID: string(w.CampaignID), AdSetID: string(w.AdSetID),
		AdID: string(w.AdID), AdName: w.AdName, DateStart: w.DateStart, DateStop: w.DateStop}
	var err error
	if w.Spend != "" {
		if r.Spend, err = ParseDecimal(string(w.Spend), w.Currency); err != nil {
			return r, fmt.Errorf("meta: insights spend of %s %s: %w", r.AdID, r.DateStart, err)
		}
	} else if w.Currency != "" {
		r.Spend = Money{Currency: strings.ToUpper(w.Currency)}
	}
	for _, f := range []struct {
		dst  *int64
		src  flexID
		name string
	}{{&r.Impressions, w.Impressions, "impressions"}, {&r.Reach, w.Reach, "reach"}, {&r.Clicks, w.Clicks, "clicks"}} {
		if *f.dst, err = f.src.count(f.name); err != nil {
			return r, err
		}
	}
	if len(w.Actions) > 0 {
		r.Actions = make(map[string]int64, len(w.Actions))
		for _, a := range w.Actions {
			n, err := a.Value.count(a.Type)
			if err != nil {
				return r, err
			}
			r.Actions[a.Type] += n
		}
	}
	return r, nil
}
