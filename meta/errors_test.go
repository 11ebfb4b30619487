package meta

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// graphBody is a Meta-shaped error body (reference §3).
func graphBody(code, sub int, typ, msg string) string {
	subPart := ""
	if sub != 0 {
		subPart = fmt.Sprintf(`,"error_subcode":%d`, sub)
	}
	return fmt.Sprintf(`{"error":{"message":%q,"type":%q,"code":%d%s,"fbtrace_id":"AbCdEf123"}}`,
		msg, typ, code, subPart)
}

func TestClassTable(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		class  Class
		retry  bool
	}{
		// The cases the brief requires.
		{"1 unknown error", 500, graphBody(1, 0, "OAuthException", "An unknown error occurred"), ClassTransient, true},
		{"2 service", 503, graphBody(2, 0, "OAuthException", "An unexpected error has occurred. Please retry your request later."), ClassTransient, true},
		{"4 app rate limit", 400, graphBody(4, 0, "OAuthException", "(#4) Application request limit reached"), ClassThrottled, true},
		{"10/2018278 outside window", 400, graphBody(10, 2018278, "OAuthException", "(#10) This message is sent outside of allowed window."), ClassOutsideWindow, false},
		{"10 permission", 403, graphBody(10, 0, "OAuthException", "(#10) Application does not have permission for this action"), ClassPermission, false},
		{"17 user limit", 400, graphBody(17, 0, "OAuthException", "(#17) User request limit reached"), ClassThrottled, true},
		{"32 page limit", 400, graphBody(32, 0, "OAuthException", "(#32) Page request limit reached"), ClassThrottled, true},
		{"100 invalid param", 400, graphBody(100, 0, "OAuthException", "(#100) Param recipient[id] must be a valid ID string"), ClassInvalidParameter, false},
		{"100/1713230 audience", 400, graphBody(100, 1713230, "OAuthException", "Custom audience cannot be used"), ClassAudienceBlocked, false},
		{"190 token", 401, graphBody(190, 463, "OAuthException", "Error validating access token: Session has expired"), ClassTokenInvalid, false},
		{"200 permission", 403, graphBody(200, 0, "OAuthException", "(#200) Permissions error"), ClassPermission, false},
		{"551 person", 400, graphBody(551, 0, "OAuthException", "This person isn't available right now."), ClassPersonUnavailable, false},
		{"613 calls per hour", 400, graphBody(613, 0, "OAuthException", "Calls to this api have exceeded the rate limit."), ClassThrottled, true},
		{"2300052 gap", 400, graphBody(2300052, 0, "OAuthException", "This person is not available right now."), ClassMarketingMessageGap, false},
		{"4/1504022 insights throttle", 400, graphBody(4, 1504022, "OAuthException", "(#4) There have been too many calls from this ad-account."), ClassThrottled, true},
		{"80004 ads management BUC", 400, graphBody(80004, 2446079, "OAuthException", "There have been too many calls to this ad-account."), ClassThrottled, true},
		{"is_transient unknown code", 400,
			`{"error":{"message":"Please try again later","type":"OAuthException","code":987654,"is_transient":true,"fbtrace_id":"X1"}}`,
			ClassTransient, true},
		{"non-JSON 502", 502, "<html><body><h1>502 Bad Gateway</h1></body></html>", ClassTransient, true},

		// Further codes from the reference and Meta's error pages.
		{"1200 transient send", 500, graphBody(1200, 0, "OAuthException", "Temporary send message failure. Please try again later."), ClassTransient, true},
		{"4/1504039 insights throttle", 400, graphBody(4, 1504039, "OAuthException", "too many calls"), ClassThrottled, true},
		{"100/1504018 insights timeout", 400, graphBody(100, 1504018, "OAuthException", "Your request timed out"), ClassTransient, true},
		{"2/1504038 insights timeout", 500, graphBody(2, 1504038, "OAuthException", "Service temporarily unavailable"), ClassTransient, true},
		{"341 app limit", 400, graphBody(341, 0, "OAuthException", "Application limit reached"), ClassThrottled, true},
		{"80000 insights BUC", 400, graphBody(80000, 0, "OAuthException", "too many calls"), ClassThrottled, true},
		{"80006 messenger BUC", 400, graphBody(80006, 0, "OAuthException", "too many calls"), ClassThrottled, true},
		{"80014 catalog batch BUC", 400, graphBody(80014, 0, "OAuthException", "too many calls"), ClassThrottled, true},
		{"80015 not a BUC code", 400, graphBody(80015, 0, "OAuthException", "?"), ClassUnknown, false},
		{"102 session", 401, graphBody(102, 0, "OAuthException", "API Session"), ClassTokenInvalid, false},
		{"463 expired", 401, graphBody(463, 0, "OAuthException", "expired"), ClassTokenInvalid, false},
		{"467 invalid token", 401, graphBody(467, 0, "OAuthException", "invalid"), ClassTokenInvalid, false},
		{"3 capability", 400, graphBody(3, 0, "OAuthException", "(#3) Application does not have the capability"), ClassPermission, false},
		{"299 permission", 403, graphBody(299, 0, "OAuthException", "(#299) permission"), ClassPermission, false},
		{"300 not permission", 400, graphBody(300, 0, "OAuthException", "?"), ClassUnknown, false},
		{"10/2018065 legacy window", 400, graphBody(10, 2018065, "OAuthException", "(#10) This message is sent outside of allowed window. You need page_messaging_subscriptions permission"), ClassOutsideWindow, false},
		{"551/1545041", 400, graphBody(551, 1545041, "OAuthException", "This person isn't available right now."), ClassPersonUnavailable, false},
		{"200/1545041", 400, graphBody(200, 1545041, "OAuthException", "This person isn't receiving messages from you right now."), ClassPersonUnavailable, false},
		{"100/2018001 no matching user", 400, graphBody(100, 2018001, "OAuthException", "(#100) No matching user found"), ClassPersonUnavailable, false},
		{"2/2018344 privacy ToS", 500, graphBody(2, 2018344, "OAuthException", "Service temporarily unavailable"), ClassPermission, false},
		{"4/2018354 marketing frequency", 400, graphBody(4, 2018354, "OAuthException", "There has to be a minimum delay between 2 notifications"), ClassMarketingMessageGap, false},
		{"2300052 as subcode", 400, graphBody(100, 2300052, "OAuthException", "This person is not available right now."), ClassMarketingMessageGap, false},
		{"2300000 inactive campaign", 400, graphBody(2300000, 0, "OAuthException", "campaign not active"), ClassInvalidParameter, false},
		{"2300001 invalid message id", 400, graphBody(2300001, 0, "OAuthException", "invalid message"), ClassInvalidParameter, false},
		{"2300002 inactive message set", 400, graphBody(2300002, 0, "OAuthException", "inactive set"), ClassInvalidParameter, false},
		{"2300003 inactive message", 400, graphBody(2300003, 0, "OAuthException", "inactive message"), ClassInvalidParameter, false},
		{"2300004 subscription token", 400, graphBody(2300004, 0, "OAuthException", "token could not be loaded"), ClassPersonUnavailable, false},
		{"2300005 page mismatch", 400, graphBody(2300005, 0, "OAuthException", "page mismatch"), ClassInvalidParameter, false},
		{"2300006 unknown", 400, graphBody(2300006, 0, "OAuthException", "?"), ClassUnknown, false},

		// is_transient never makes a known non-retryable class retryable.
		{"100 with is_transient", 400, `{"error":{"message":"bad","code":100,"is_transient":true}}`, ClassInvalidParameter, false},
		{"190 with is_transient", 400, `{"error":{"message":"bad","code":190,"is_transient":"true"}}`, ClassTokenInvalid, false},
		{"551 with is_transient", 400, `{"error":{"message":"bad","code":551,"is_transient":true}}`, ClassPersonUnavailable, false},
		{"unknown is_transient false", 400, `{"error":{"message":"bad","code":987654,"is_transient":false}}`, ClassUnknown, false},

		// Tolerance: numbers as strings, missing fields, other body shapes.
		{"code as string", 400, `{"error":{"message":"x","code":"613","error_subcode":"0"}}`, ClassThrottled, true},
		{"subcode as string", 400, `{"error":{"message":"x","code":"10","error_subcode":"2018278"}}`, ClassOutsideWindow, false},
		{"code as float", 400, `{"error":{"message":"x","code":190.0}}`, ClassTokenInvalid, false},
		{"is_transient as 1", 400, `{"error":{"code":424242,"is_transient":1}}`, ClassTransient, true},
		{"empty error object 500", 500, `{"error":{}}`, ClassTransient, true},
		{"empty error object 400", 400, `{"error":{}}`, ClassUnknown, false},
		{"non-JSON 429", 429, "Too Many Requests", ClassThrottled, true},
		{"non-JSON 400", 400, "Bad Request", ClassUnknown, false},
		{"empty 503", 503, "", ClassTransient, true},
		{"empty 504", 504, "", ClassTransient, true},
		{"JSON without error", 500, `{"success":false}`, ClassTransient, true},
		{"OAuth style", 400, `{"error":"invalid_request","error_description":"bad redirect_uri"}`, ClassUnknown, false},
		{"legacy REST", 400, `{"error_code":17,"error_msg":"User request limit reached"}`, ClassThrottled, true},
		{"truncated JSON 502", 502, `{"error":{"message":"x","co`, ClassTransient, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ParseError(tt.status, []byte(tt.body), nil)
			if got := e.Class(); got != tt.class {
				t.Errorf("Class() = %q, want %q (code %d/%d)", got, tt.class, e.Code, e.Subcode)
			}
			if got := e.Retryable(); got != tt.retry {
				t.Errorf("Retryable() = %v, want %v", got, tt.retry)
			}
			if e.HTTPStatus != tt.status {
				t.Errorf("HTTPStatus = %d, want %d", e.HTTPStatus, tt.status)
			}
			if !strings.HasPrefix(e.Error(), "meta: ") {
				t.Errorf("Error() = %q, want the meta: prefix", e.Error())
			}
		})
	}
}

func TestParseErrorFields(t *testing.T) {
	body := `{"error":{"message":"(#10) This message is sent outside of allowed window.","type":"OAuthException",
		"code":10,"error_subcode":2018278,"error_user_title":"Message not sent","error_user_msg":"Outside the window",
		"fbtrace_id":"A1b2C3","is_transient":false}}`
	e := ParseError(400, []byte(body), nil)
	want := Error{
		Message: "(#10) This message is sent outside of allowed window.", Type: "OAuthException",
		Code: 10, Subcode: 2018278, UserTitle: "Message not sent", UserMsg: "Outside the window",
		FBTraceID: "A1b2C3", HTTPStatus: 400,
	}
	if *e != want {
		t.Fatalf("ParseError = %+v\nwant %+v", *e, want)
	}
	wantStr := "meta: code 10/2018278 (OAuthException): (#10) This message is sent outside of allowed window. [fbtrace A1b2C3]"
	if e.Error() != wantStr {
		t.Errorf("Error() = %q\nwant %q", e.Error(), wantStr)
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		e    *Error
		want string
	}{
		{&Error{Code: 100, Type: "OAuthException", Message: "bad", FBTraceID: "T"}, "meta: code 100 (OAuthException): bad [fbtrace T]"},
		{&Error{Code: 4, Subcode: 1504022, Message: "slow down"}, "meta: code 4/1504022: slow down"},
		{&Error{Code: 190, UserMsg: "Reconnect your Page"}, "meta: code 190: Reconnect your Page"},
		{&Error{Code: 2}, "meta: code 2: (no message)"},
		{&Error{HTTPStatus: 502, Message: "Bad Gateway"}, "meta: HTTP 502: Bad Gateway"},
		{nil, "meta: <nil error>"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestParseErrorNonJSON(t *testing.T) {
	html := "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>" + strings.Repeat("x", 500) + "</body></html>"
	e := ParseError(502, []byte(html), nil)
	if e.Code != 0 || e.HTTPStatus != 502 {
		t.Fatalf("got code %d status %d", e.Code, e.HTTPStatus)
	}
	if !strings.HasPrefix(e.Message, "<html> <head><title>502 Bad Gateway") || len(e.Message) > maxSnippet+len("…") {
		t.Errorf("Message = %q (len %d)", e.Message, len(e.Message))
	}
	if !strings.HasPrefix(e.Error(), "meta: HTTP 502: <html>") {
		t.Errorf("Error() = %q", e.Error())
	}
	// Empty body: the status text stands in for the message.
	if e := ParseError(503, nil, nil); e.Message != "Service Unavailable" {
		t.Errorf("empty body Message = %q", e.Message)
	}
	// A snippet is cut on a rune boundary and stays valid UTF-8.
	e = ParseError(500, []byte(strings.Repeat("é", 300)), nil)
	if !strings.HasSuffix(e.Message, "é…") {
		t.Errorf("snippet not cut on a rune boundary: %q", e.Message[len(e.Message)-8:])
	}
	// A UTF-8 BOM before the JSON is tolerated.
	e = ParseError(400, []byte("\xef\xbb\xbf"+graphBody(100, 0, "OAuthException", "x")), nil)
	if e.Code != 100 {
		t.Errorf("BOM body: code %d", e.Code)
	}
}

func TestParseErrorOtherShapes(t *testing.T) {
	e := ParseError(400, []byte(`{"error":"invalid_request","error_description":"bad redirect_uri"}`), nil)
	if e.Message != "invalid_request: bad redirect_uri" || e.Code != 0 {
		t.Errorf("OAuth shape: %+v", e)
	}
	e = ParseError(400, []byte(`{"error_code":"613","error_msg":"Calls exceeded"}`), nil)
	if e.Code != 613 || e.Message != "Calls exceeded" {
		t.Errorf("legacy shape: %+v", e)
	}
	e = ParseError(400, []byte(`{"error":{"message":12345,"code":"abc","error_subcode":null,"type":["x"]}}`), nil)
	if e.Message != "12345" || e.Code != 0 || e.Subcode != 0 || e.Type != "" {
		t.Errorf("garbage fields: %+v", e)
	}
}

func TestParseErrorHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("X-FB-Trace-ID", "HeaderTrace")
	h.Set("Retry-After", "30")
	e := ParseError(503, []byte(`{"error":{"message":"x","code":2}}`), h)
	if e.FBTraceID != "HeaderTrace" {
		t.Errorf("FBTraceID = %q, want the header's", e.FBTraceID)
	}
	if e.RetryAfter != 30*time.Second {
		t.Errorf("RetryAfter = %v, want 30s", e.RetryAfter)
	}

	// The body's trace ID wins over the header's.
	e = ParseError(400, []byte(graphBody(100, 0, "OAuthException", "x")), h)
	if e.FBTraceID != "AbCdEf123" {
		t.Errorf("FBTraceID = %q, want the body's", e.FBTraceID)
	}

	// Business use case regain time (minutes) beats a shorter Retry-After.
	h = http.Header{}
	h.Set("Retry-After", "10")
	h.Set("X-Business-Use-Case-Usage", `{"1234":[{"type":"ads_management","call_count":100,"total_cputime":20,"total_time":30,"estimated_time_to_regain_access":5}]}`)
	e = ParseError(400, []byte(graphBody(80004, 0, "OAuthException", "too many")), h)
	if e.RetryAfter != 5*time.Minute {
		t.Errorf("RetryAfter = %v, want 5m", e.RetryAfter)
	}

	// HTTP-date Retry-After.
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h = http.Header{}
	h.Set("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat))
	if got := retryAfter(h, now); got != 90*time.Second {
		t.Errorf("retryAfter(date) = %v, want 90s", got)
	}
	h.Set("Retry-After", now.Add(-time.Hour).Format(http.TimeFormat))
	if got := retryAfter(h, now); got != 0 {
		t.Errorf("retryAfter(past date) = %v, want 0", got)
	}
	for _, v := range []string{"-5", "soon", "0", ""} {
		h.Set("Retry-After", v)
		if got := retryAfter(h, now); got != 0 {
			t.Errorf("retryAfter(%q) = %v, want 0", v, got)
		}
	}
	h.Set("Retry-After", "999999999999")
	if got := retryAfter(h, now); got != maxRegain {
		t.Errorf("retryAfter(huge) = %v, want the %v cap", got, maxRegain)
	}
}

func TestHelpersThroughWrapping(t *testing.T) {
	throttled := fmt.Errorf("send to psid 123: %w", ParseError(400, []byte(graphBody(613, 0, "OAuthException", "x")), nil))
	transient := fmt.Errorf("insights: %w", ParseError(500, []byte(graphBody(2, 0, "OAuthException", "x")), nil))
	window := fmt.Errorf("send: %w", ParseError(400, []byte(graphBody(10, 2018278, "OAuthException", "x")), nil))
	plain := errors.New("dial tcp: connection refused")

	tests := []struct {
		name                            string
		err                             error
		throttled, transient, retryable bool
		class                           Class
	}{
		{"throttled", throttled, true, false, true, ClassThrottled},
		{"transient", transient, false, true, true, ClassTransient},
		{"window", window, false, false, false, ClassOutsideWindow},
		{"not meta", plain, false, false, false, ClassUnknown},
		{"nil", nil, false, false, false, ClassUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsThrottled(tt.err); got != tt.throttled {
				t.Errorf("IsThrottled = %v", got)
			}
			if got := IsTransient(tt.err); got != tt.transient {
				t.Errorf("IsTransient = %v", got)
			}
			if got := IsRetryable(tt.err); got != tt.retryable {
				t.Errorf("IsRetryable = %v", got)
			}
			if got := ClassOf(tt.err); got != tt.class {
				t.Errorf("ClassOf = %q", got)
			}
		})
	}
	var nilErr *Error
	if nilErr.Class() != ClassUnknown || nilErr.Retryable() {
		t.Error("nil *Error must be unknown and not retryable")
	}
}

func TestParseErrorEmptyObjectMessage(t *testing.T) {
	if e := ParseError(500, []byte(`{"error":{}}`), nil); e.Error() != "meta: HTTP 500: Internal Server Error" {
		t.Errorf("Error() = %q", e.Error())
	}
	if e := ParseError(400, []byte(`{"error":{"code":100}}`), nil); e.Error() != "meta: code 100: (no message)" {
		t.Errorf("Error() = %q", e.Error())
	}
}

// TestParseErrorRedacts: ParseError is exported; what it builds is already free of credential-shaped text.
func TestParseErrorRedacts(t *testing.T) {
	e := ParseError(400, []byte(`{"error":{"message":"Malformed access token EAAGm0PX4ZCpsBAKZCsecret","code":190,`+
		`"error_user_msg":"see ?access_token=abc&x=1"}}`), nil)
	if strings.Contains(e.Error(), "EAAG") || strings.Contains(e.UserMsg, "abc") || e.Class() != ClassTokenInvalid {
		t.Fatalf("%+v", e)
	}
}
