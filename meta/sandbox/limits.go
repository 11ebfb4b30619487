package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// limiter counts calls per app, per Page and per ad account in fixed one-hour windows of the wall clock and
// reports the share used in Meta's usage headers (reference §3), so that relance's client sees usage rise
// and slows down before the sandbox throttles it.
type limiter struct {
	app, page, account int
	window             time.Time
	appCalls           int
	pageCalls          map[string]int
	accountCalls       map[string]int
}

func newLimiter(o Options) limiter {
	return limiter{app: o.AppCallsPerHour, page: o.PageCallsPerHour, account: o.AccountCallsPerHour,
		pageCalls: map[string]int{}, accountCalls: map[string]int{}}
}

// pct is used/limit as a whole percentage (0 without a limit).
func pct(used, limit int) int {
	if limit <= 0 {
		return 0
	}
	return used * 100 / limit
}

// take counts the call, sets the usage headers, and refuses it when a limit is reached.
func (l *limiter) take(c *call, k kind, now time.Time) *apiError {
	if w := now.Truncate(time.Hour); !w.Equal(l.window) {
		l.window, l.appCalls = w, 0
		clear(l.pageCalls)
		clear(l.accountCalls)
	}
	regain := int(l.window.Add(time.Hour).Sub(now).Minutes()) + 1
	h := c.Header
	l.appCalls++
	app := pct(l.appCalls, l.app)
	h.Set("X-App-Usage", usageJSON(app))
	if l.app > 0 && l.appCalls > l.app {
		return &apiError{Status: http.StatusBadRequest, Code: 4, Type: "OAuthException",
			Message: "(#4) Application request limit reached"}
	}
	switch k {
	case kindPage, kindConversation:
		l.pageCalls[c.Node]++
		p := pct(l.pageCalls[c.Node], l.page)
		h.Set("X-Page-Usage", usageJSON(p))
		if l.page > 0 && l.pageCalls[c.Node] > l.page {
			return &apiError{Status: http.StatusBadRequest, Code: 32, Type: "OAuthException",
				Message: "(#32) Page request limit reached"}
		}
	case kindAccount:
		l.accountCalls[c.Node]++
		a := pct(l.accountCalls[c.Node], l.account)
		id := strings.TrimPrefix(c.Node, "act_")
		h.Set("X-Ad-Account-Usage", fmt.Sprintf(`{"acc_id_util_pct":%d,"reset_time_duration":%d,"ads_api_access_tier":"standard_access"}`,
			min(a, 100), int(l.window.Add(time.Hour).Sub(now).Seconds())))
		buc := map[string][]map[string]any{id: {{"type": "ads_management", "call_count": a, "total_cputime": a / 2,
			"total_time": a / 2, "estimated_time_to_regain_access": 0}}}
		if l.account > 0 && l.accountCalls[c.Node] > l.account {
			buc[id][0]["estimated_time_to_regain_access"] = regain
			b, _ := json.Marshal(buc)
			h.Set("X-Business-Use-Case-Usage", string(b))
			return &apiError{Status: http.StatusBadRequest, Code: 613, Type: "OAuthException",
				Message: "(#613) Calls to this api have exceeded the rate limit."}
		}
		b, _ := json.Marshal(buc)
		h.Set("X-Business-Use-Case-Usage", string(b))
	}
	return nil
}

// regainHeader adds estimated_time_to_regain_access (minutes) for an error that carries one.
func (l *limiter) regainHeader(h http.Header, minutes int) {
	if h.Get("X-Business-Use-Case-Usage") != "" {
		return
	}
	h.Set("X-Business-Use-Case-Usage", fmt.Sprintf(`{"0":[{"type":"ads_insights","call_count":100,"total_cputime":100,"total_time":100,"estimated_time_to_regain_access":%d}]}`, minutes))
}

func usageJSON(p int) string {
	return fmt.Sprintf(`{"call_count":%d,"total_cputime":%d,"total_time":%d}`, p, p/2, p/2)
}
