package meta

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Meta's usage headers (reference §3) report how close the app, a Page, an ad account or a business object
// is to its rate limit, as percentages where 100 means throttled. The client backs off as they near 100.
// Every header is optional and parsed tolerantly: a missing or unreadable header leaves its field nil, a
// number may come as an integer, a decimal (Insights sends 9.67) or a string.

// maxRegain caps durations read from headers, so that a garbage value cannot park a worker for years.
const (
	maxRegain        = 24 * time.Hour
	maxRegainSeconds = int64(maxRegain / time.Second)
	maxPercent       = 1_000_000 // far above any real value; only guards against absurd numbers
)

// Usage is what the usage headers of one Graph API response said.
type Usage struct {
	App             *CallUsage                        // X-App-Usage: the app's platform rate limit
	Page            *CallUsage                        // X-Page-Usage: a Page's rate limit (Page tokens)
	AdAccount       *AdAccountUsage                   // X-Ad-Account-Usage: Marketing API per ad account
	BusinessUseCase map[string][]BusinessUseCaseUsage // X-Business-Use-Case-Usage, by business object ID
	Insights        *InsightsThrottle                 // X-FB-Ads-Insights-Throttle: Insights API load
}

// CallUsage is the shape of X-App-Usage and X-Page-Usage: each field a percentage of its limit.
type CallUsage struct {
	CallCount    int // call_count: share of the allowed number of calls
	TotalCPUTime int // total_cputime: share of the allowed CPU time
	TotalTime    int // total_time: share of the allowed total time
}

// AdAccountUsage is X-Ad-Account-Usage.
type AdAccountUsage struct {
	UtilPct    int           // acc_id_util_pct: share of the ad account's limit
	ResetAfter time.Duration // reset_time_duration (seconds): time until the score is back to 0
	AccessTier string        // ads_api_access_tier, e.g. development_access, standard_access
}

// BusinessUseCaseUsage is one entry of X-Business-Use-Case-Usage.
type BusinessUseCaseUsage struct {
	Type         string        // type: ads_management, ads_insights, custom_audience, messenger, pages, ...
	CallCount    int           // call_count, percent
	TotalCPUTime int           // total_cputime, percent
	TotalTime    int           // total_time, percent
	RegainAfter  time.Duration // estimated_time_to_regain_access, sent in minutes; 0 when not throttled
	AccessTier   string        // ads_api_access_tier, when present
}

// InsightsThrottle is X-FB-Ads-Insights-Throttle, which Meta's Insights docs describe next to the throttling
// errors of reference §5 (4/1504022, 4/1504039).
type InsightsThrottle struct {
	AppUtilPct     int    // app_id_util_pct
	AccountUtilPct int    // acc_id_util_pct
	AccessTier     string // ads_api_access_tier
}

// ParseUsage reads the usage headers of a response. It never fails: absent or garbage headers give nil fields.
func ParseUsage(h http.Header) Usage {
	var u Usage
	if h == nil {
		return u
	}
	u.App = parseCallUsage(headerGet(h, "X-App-Usage"))
	u.Page = parseCallUsage(headerGet(h, "X-Page-Usage"))
	if obj := jsonObject(headerGet(h, "X-Ad-Account-Usage")); obj != nil {
		u.AdAccount = &AdAccountUsage{
			UtilPct:    percent(obj["acc_id_util_pct"]),
			ResetAfter: seconds(obj["reset_time_duration"], time.Second),
			AccessTier: flexString(obj["ads_api_access_tier"]),
		}
	}
	u.BusinessUseCase = parseBUC(headerGet(h, "X-Business-Use-Case-Usage"))
	if obj := jsonObject(headerGet(h, "X-FB-Ads-Insights-Throttle")); obj != nil {
		u.Insights = &InsightsThrottle{
			AppUtilPct:     percent(obj["app_id_util_pct"]),
			AccountUtilPct: percent(obj["acc_id_util_pct"]),
			AccessTier:     flexString(obj["ads_api_access_tier"]),
		}
	}
	return u
}

// Max is the highest percentage any usage header reported (0 when none did): the pacing signal, since the
// first limit to reach 100 throttles the calls behind it.
func (u Usage) Max() int {
	m := 0
	if u.App != nil {
		m = max(m, u.App.max())
	}
	if u.Page != nil {
		m = max(m, u.Page.max())
	}
	if u.AdAccount != nil {
		m = max(m, u.AdAccount.UtilPct)
	}
	for _, entries := range u.BusinessUseCase {
		for _, b := range entries {
			m = max(m, b.CallCount, b.TotalCPUTime, b.TotalTime)
		}
	}
	if u.Insights != nil {
		m = max(m, u.Insights.AppUtilPct, u.Insights.AccountUtilPct)
	}
	return m
}

// RegainAfter is the longest estimated_time_to_regain_access of X-Business-Use-Case-Usage (0 when none):
// how long Meta says a throttled business object stays blocked.
func (u Usage) RegainAfter() time.Duration {
	var d time.Duration
	for _, entries := range u.BusinessUseCase {
		for _, b := range entries {
			d = max(d, b.RegainAfter)
		}
	}
	return d
}

func (c CallUsage) max() int { return max(c.CallCount, c.TotalCPUTime, c.TotalTime) }

// headerGet is http.Header.Get, falling back to a case-insensitive scan for maps built without
// canonical keys (for example copied from fasthttp).
func headerGet(h http.Header, name string) string {
	if v := h.Get(name); v != "" {
		return v
	}
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// jsonObject decodes a header value holding a JSON object; nil if it is empty or not an object.
func jsonObject(v string) map[string]json.RawMessage {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(v), &obj) != nil {
		return nil
	}
	return obj
}

func parseCallUsage(v string) *CallUsage {
	obj := jsonObject(v)
	if obj == nil {
		return nil
	}
	return &CallUsage{
		CallCount:    percent(obj["call_count"]),
		TotalCPUTime: percent(obj["total_cputime"]),
		TotalTime:    percent(obj["total_time"]),
	}
}

// parseBUC decodes {"<id>":[{...}, ...]}; a lone object instead of an array is accepted too.
func parseBUC(v string) map[string][]BusinessUseCaseUsage {
	obj := jsonObject(v)
	if len(obj) == 0 {
		return nil
	}
	out := make(map[string][]BusinessUseCaseUsage, len(obj))
	for id, raw := range obj {
		var items []map[string]json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			var one map[string]json.RawMessage
			if json.Unmarshal(raw, &one) != nil || one == nil {
				continue
			}
			items = []map[string]json.RawMessage{one}
		}
		for _, it := range items {
			if it == nil {
				continue
			}
			out[id] = append(out[id], BusinessUseCaseUsage{
				Type:         flexString(it["type"]),
				CallCount:    percent(it["call_count"]),
				TotalCPUTime: percent(it["total_cputime"]),
				TotalTime:    percent(it["total_time"]),
				RegainAfter:  seconds(it["estimated_time_to_regain_access"], time.Minute),
				AccessTier:   flexString(it["ads_api_access_tier"]),
			})
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// number reads a JSON number or numeric string as a float; usage figures are not money, so float is fine.
func number(raw json.RawMessage) (float64, bool) {
	s := strings.TrimSpace(flexString(raw))
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// percent reads a percentage rounded up (9.01 % counts as 10: backing off early is the safe side),
// clamped to [0, maxPercent]; unreadable values give 0.
func percent(raw json.RawMessage) int {
	f, ok := number(raw)
	if !ok || f <= 0 {
		return 0
	}
	return int(min(math.Ceil(f), maxPercent))
}

// seconds reads a non-negative count of unit as a duration rounded up to a whole second, capped at maxRegain.
func seconds(raw json.RawMessage, unit time.Duration) time.Duration {
	f, ok := number(raw)
	if !ok || f <= 0 {
		return 0
	}
	secs := math.Ceil(f * unit.Seconds())
	if secs >= float64(maxRegainSeconds) {
		return maxRegain
	}
	return time.Duration(secs) * time.Second
}
