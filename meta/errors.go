package meta

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Error is a failed Graph API call: Meta's error object (reference §3) plus what the HTTP response said.
// Every field is best effort: Meta's bodies vary between products and versions, so ParseError fills what it can.
type Error struct {
	Message     string        // error.message, or a snippet of a body that was not a Graph error object
	Type        string        // error.type, e.g. OAuthException, GraphMethodException
	Code        int           // error.code; 0 when the body carried no Graph error object
	Subcode     int           // error.error_subcode; 0 when absent
	UserTitle   string        // error.error_user_title, a title Meta wrote for end users
	UserMsg     string        // error.error_user_msg, a message Meta wrote for end users
	FBTraceID   string        // error.fbtrace_id (or the X-FB-Trace-ID header): quote it to Meta support
	IsTransient bool          // error.is_transient: Meta's own hint that the same call may succeed later
	HTTPStatus  int           // HTTP status of the response
	RetryAfter  time.Duration // wait suggested by Retry-After or the usage headers (see ParseUsage); 0 if none
	// Lost means no complete answer arrived (the connection failed or the body was cut): the call may have
	// taken effect on Meta's side.
	Lost bool
}

// IsLostAnswer reports whether err is a call whose answer was lost: a message send may have gone.
func IsLostAnswer(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Lost
}

// Class is what a caller should do about an Error: retry, back off, reconnect, fix the request, or give up
// on a recipient. The string values are stable: they are used in logs, metrics labels and stored send results.
type Class string

// The classes of Error. Only ClassTransient and ClassThrottled are retryable.
const (
	// ClassTransient: a passing fault on Meta's side (codes 1, 2, 1200, Insights timeouts); retry with backoff.
	ClassTransient Class = "transient"
	// ClassThrottled: a rate limit (codes 4, 17, 32, 341, 613, 80000–80014); retry after backing off.
	ClassThrottled Class = "throttled"
	// ClassTokenInvalid: the access token is expired, revoked or invalid (190, 102, 463, 467); reconnect.
	ClassTokenInvalid Class = "token_invalid"
	// ClassPermission: the app, token or Page lacks a permission or task (10, 3, 200–299); fix the setup.
	ClassPermission Class = "permission"
	// ClassOutsideWindow: a Send API call outside the messaging window (10/2018278); needs a tag or a paid message.
	ClassOutsideWindow Class = "outside_window"
	// ClassPersonUnavailable: the recipient cannot be messaged (551); do not retry this recipient.
	ClassPersonUnavailable Class = "person_unavailable"
	// ClassInvalidParameter: the request itself is wrong (100 and request-shaped errors); fix it, never retry.
	ClassInvalidParameter Class = "invalid_parameter"
	// ClassAudienceBlocked: a custom audience Meta flagged (100/1713230, operation_status 471); uploads fail.
	ClassAudienceBlocked Class = "audience_blocked"
	// ClassMarketingMessageGap: a Marketing Message blocked by a per-recipient gap (2300052, 4/2018354).
	ClassMarketingMessageGap Class = "marketing_message_gap"
	// ClassUnknown: nothing above; not retried unless Meta marked it is_transient or the HTTP status says so.
	ClassUnknown Class = "unknown"
)

// Error formats as "meta: code 10/2018278 (OAuthException): message [fbtrace ID]", or "meta: HTTP 502: …"
// when the response held no Graph error object.
func (e *Error) Error() string {
	if e == nil {
		return "meta: <nil error>"
	}
	var b strings.Builder
	b.WriteString("meta: ")
	if e.Code == 0 {
		fmt.Fprintf(&b, "HTTP %d", e.HTTPStatus)
	} else {
		fmt.Fprintf(&b, "code %d", e.Code)
		if e.Subcode != 0 {
			fmt.Fprintf(&b, "/%d", e.Subcode)
		}
		if e.Type != "" {
			fmt.Fprintf(&b, " (%s)", e.Type)
		}
	}
	msg := e.Message
	if msg == "" {
		msg = e.UserMsg
	}
	if msg == "" {
		msg = "(no message)"
	}
	b.WriteString(": ")
	b.WriteString(msg)
	if e.FBTraceID != "" {
		fmt.Fprintf(&b, " [fbtrace %s]", e.FBTraceID)
	}
	return b.String()
}

// Class maps the error to what relance should do about it; see classify for the table and its sources.
func (e *Error) Class() Class {
	if e == nil {
		return ClassUnknown
	}
	return classify(e.Code, e.Subcode, e.IsTransient, e.HTTPStatus)
}

// Retryable reports whether the same call may succeed later: only transient and throttled errors. A retried
// Send API call can deliver twice if Meta failed after sending (code 1/2): senders dedupe on their side.
func (e *Error) Retryable() bool {
	c := e.Class()
	return c == ClassTransient || c == ClassThrottled
}

// IsThrottled reports whether err is, or wraps, a Meta rate-limit error.
func IsThrottled(err error) bool { return ClassOf(err) == ClassThrottled }

// IsTransient reports whether err is, or wraps, a passing Meta fault (not a rate limit: see IsThrottled).
func IsTransient(err error) bool { return ClassOf(err) == ClassTransient }

// IsRetryable reports whether err is, or wraps, a Meta error that a later retry may cure. Errors that are not
// Meta errors (network failures, context cancellation) report false: the caller decides about those.
func IsRetryable(err error) bool {
	var me *Error
	return errors.As(err, &me) && me.Retryable()
}

// ClassOf returns the Class of the Meta error in err's chain, or ClassUnknown when there is none.
func ClassOf(err error) Class {
	var me *Error
	if errors.As(err, &me) {
		return me.Class()
	}
	return ClassUnknown
}

// codeSub is a (code, subcode) pair for the subcode-specific rules, which win over the per-code rules.
type codeSub struct{ code, sub int }

// bySubcode lists the (code, subcode) pairs whose meaning differs from their code's.
var bySubcode = map[codeSub]Class{
	// Send API outside the standard messaging window (reference §2); 2018065 is the pre-2020 wording
	// ("outside of allowed window ... page_messaging_subscriptions") still returned for the same cause.
	{10, 2018278}: ClassOutsideWindow,
	{10, 2018065}: ClassOutsideWindow,
	// Custom audience flagged for health/financial hints (operation_status 471): uploads fail (reference §4).
	{100, 1713230}: ClassAudienceBlocked,
	// Insights timeouts (reference §5): the same query usually succeeds later or as an async report.
	{100, 1504018}: ClassTransient,
	{2, 1504038}:   ClassTransient,
	// Insights throttling (reference §5); code 4 already maps to throttled, listed for the record.
	{4, 1504022}: ClassThrottled,
	{4, 1504039}: ClassThrottled,
	// Messenger error-codes page: a Marketing Message sent faster than notification_messages_frequency
	// allows. It is per recipient, like 2300052: retrying soon fails again, so it is not a rate limit.
	{4, 2018354}: ClassMarketingMessageGap,
	// Messenger error-codes page: "Service temporarily unavailable: Privacy ToS not accepted" (labels API);
	// a Page admin must accept the terms, so retrying code 2 here would never succeed.
	{2, 2018344}: ClassPermission,
	// Send API "No matching user found": the PSID does not belong to this Page (reference §1.1).
	{100, 2018001}: ClassPersonUnavailable,
}

// classify is the class table. Order: subcode rules, then code rules, then Meta's is_transient hint for
// otherwise unknown codes, then the HTTP status for responses that still say nothing.
//
//	code / subcode                  class                   retry  source
//	10/2018278, 10/2018065          outside_window          no     reference §2
//	100/1713230                     audience_blocked        no     reference §4
//	100/1504018, 2/1504038          transient               yes    reference §5 (Insights timeouts)
//	4/1504022, 4/1504039            throttled               yes    reference §5 (Insights throttling)
//	4/2018354                       marketing_message_gap   no     Messenger error codes (frequency)
//	2/2018344                       permission              no     Messenger error codes (Privacy ToS)
//	100/2018001, any/1545041        person_unavailable      no     Send API ("No matching user", "isn't available")
//	2300052 (code or subcode)       marketing_message_gap   no     reference §3 (min_conversation_gap_seconds)
//	1, 2, 1200                      transient               yes    reference §2
//	4, 17, 32, 341, 613             throttled               yes    reference §2; 341 from Graph error codes
//	80000–80014                     throttled               yes    business use case rate limits
//	190, 102, 463, 467              token_invalid           no     reference §2; Graph error codes
//	3, 10, 200–299                  permission              no     reference §2; 3 is "capability"
//	551                             person_unavailable      no     reference §2
//	100                             invalid_parameter       no     reference §2
//	2300000–2300003, 2300005        invalid_parameter       no     Marketing Messages API errors
//	2300004                         person_unavailable      no     Marketing Messages API errors
//	other + is_transient            transient               yes    reference §3
//	other, HTTP 429                 throttled               yes    HTTP
//	other, HTTP 500/502/503/504     transient               yes    HTTP
//	other                           unknown                 no
func classify(code, sub int, isTransient bool, status int) Class {
	if c, ok := bySubcode[codeSub{code, sub}]; ok {
		return c
	}
	// 1545041 "This person isn't available right now" has come with codes 551 and 200.
	if sub == 1545041 {
		return ClassPersonUnavailable
	}
	if code == 2300052 || sub == 2300052 {
		return ClassMarketingMessageGap
	}
	c := classifyCode(code)
	if c == ClassUnknown && isTransient {
		// Meta's hint only upgrades codes relance knows nothing about: a known non-retryable class (a bad
		// parameter, a revoked token) stays so even when Meta sets is_transient, as the brief requires.
		return ClassTransient
	}
	if c == ClassUnknown {
		switch status {
		case http.StatusTooManyRequests:
			return ClassThrottled
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable,
			http.StatusGatewayTimeout:
			return ClassTransient
		}
	}
	return c
}

// classifyCode maps a bare error code (reference §2, §3, Marketing Messages API errors).
func classifyCode(code int) Class {
	switch {
	case code == 1 || code == 2 || code == 1200:
		return ClassTransient
	case code == 4 || code == 17 || code == 32 || code == 341 || code == 613:
		return ClassThrottled
	case code >= 80000 && code <= 80014:
		return ClassThrottled
	case code == 190 || code == 102 || code == 463 || code == 467:
		return ClassTokenInvalid
	case code == 3 || code == 10 || (code >= 200 && code <= 299):
		return ClassPermission
	case code == 551:
		return ClassPersonUnavailable
	case code == 100:
		return ClassInvalidParameter
	case code == 2300004:
		// INVALID_MESSENGER_SUBSCRIPTION_TOKEN: the subscriber's notification token cannot be loaded
		// (stopped, expired or not ours). It is about the recipient, not our Page token: do not reconnect
		// the Page, stop sending to this subscriber until a fresh opt-in arrives.
		return ClassPersonUnavailable
	case code >= 2300000 && code <= 2300005:
		// 2300000 INACTIVE_CAMPAIGN, 2300001 INVALID_MESSAGE_ID, 2300002 INACTIVE_MESSAGE_SET,
		// 2300003 INACTIVE_MESSAGE, 2300005 PAGE_ID_MISMATCH: the request or the campaign state is wrong;
		// nothing changes by retrying until someone activates or fixes it.
		return ClassInvalidParameter
	}
	return ClassUnknown
}

// maxSnippet bounds how much of a non-Graph body goes into Error.Message (HTML error pages can be large).
const maxSnippet = 200

// ParseError builds an Error from a failed Graph API response. It never fails: a body that is not Meta's
// error object (an HTML 502 from a proxy, an empty body) gives a generic Error with Code 0 and the status.
// Numbers sent as strings ("code":"190") and booleans sent as strings are accepted (reference §3: parse
// tolerantly). RetryAfter is the larger of the Retry-After header and the usage headers' regain time.
// Credential-shaped text in the messages is redacted (see Redact).
func ParseError(status int, body []byte, header http.Header) *Error {
	e := &Error{HTTPStatus: status}
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if !decodeGraphError(body, e) {
		e.Message = snippet(body)
	}
	if e.Message == "" && e.UserMsg == "" && e.Code == 0 {
		e.Message = http.StatusText(status)
	}
	if e.FBTraceID == "" && header != nil {
		e.FBTraceID = header.Get("X-FB-Trace-ID")
	}
	// A body may quote the request (a proxy's error page echoing the URL, "malformed access token …").
	e.Message, e.UserTitle, e.UserMsg = Redact(e.Message), Redact(e.UserTitle), Redact(e.UserMsg)
	e.RetryAfter = max(retryAfter(header, time.Now()), ParseUsage(header).RegainAfter())
	return e
}

// decodeGraphError fills e from a JSON body and reports whether it held an error it could read. Shapes:
// {"error":{...}} (Graph API), {"error":"...","error_description":"..."} (OAuth endpoints) and
// {"error_code":N,"error_msg":"..."} (the legacy REST API, still seen on some endpoints).
func decodeGraphError(body []byte, e *Error) bool {
	var top struct {
		Error     json.RawMessage `json:"error"`
		ErrorDesc json.RawMessage `json:"error_description"`
		ErrorCode json.RawMessage `json:"error_code"`
		ErrorMsg  json.RawMessage `json:"error_msg"`
	}
	if err := json.Unmarshal(body, &top); err != nil {
		return false
	}
	var obj map[string]json.RawMessage
	if len(top.Error) > 0 && json.Unmarshal(top.Error, &obj) == nil && obj != nil {
		e.Message = flexString(obj["message"])
		e.Type = flexString(obj["type"])
		e.Code = flexInt(obj["code"])
		e.Subcode = flexInt(obj["error_subcode"])
		e.UserTitle = flexString(obj["error_user_title"])
		e.UserMsg = flexString(obj["error_user_msg"])
		e.FBTraceID = flexString(obj["fbtrace_id"])
		e.IsTransient = flexBool(obj["is_transient"])
		return true
	}
	if s := flexString(top.Error); s != "" {
		e.Message = s
		if d := flexString(top.ErrorDesc); d != "" {
			e.Message = s + ": " + d
		}
		return true
	}
	if len(top.ErrorCode) > 0 {
		e.Code = flexInt(top.ErrorCode)
		e.Message = flexString(top.ErrorMsg)
		return true
	}
	return false
}

// flexString reads a JSON string, or the text of a JSON number; anything else gives "".
func flexString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// flexInt reads a JSON integer given as a number or a string ("190"); anything else gives 0.
func flexInt(raw json.RawMessage) int {
	s := strings.TrimSpace(flexString(raw))
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	// "190.0" has been seen from JSON encoders that only know doubles.
	if whole, frac, ok := strings.Cut(s, "."); ok && strings.Trim(frac, "0") == "" {
		if n, err := strconv.Atoi(whole); err == nil {
			return n
		}
	}
	return 0
}

// flexBool reads true, "true", 1 or "1" as true; everything else as false.
func flexBool(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	switch strings.ToLower(strings.TrimSpace(flexString(raw))) {
	case "true", "1":
		return true
	}
	return false
}

// snippet is the start of a non-Graph body with whitespace collapsed, cut on a rune boundary.
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) <= maxSnippet {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	cut := maxSnippet
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.ToValidUTF8(s[:cut], "\uFFFD") + "…"
}

// retryAfter reads a Retry-After header in seconds or as an HTTP date (RFC 9110 §10.2.3); 0 if absent,
// unreadable or in the past.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, maxRegainSeconds)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
