package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// apiError is a Graph error answer: Meta's error object plus the HTTP status it comes with (reference §3).
type apiError struct {
	Status    int
	Code      int
	Subcode   int
	Type      string
	Message   string
	UserTitle string
	UserMsg   string
	Transient bool
	// Regain, in minutes, goes into X-Business-Use-Case-Usage as estimated_time_to_regain_access.
	Regain int
}

func (e *apiError) Error() string {
	return fmt.Sprintf("sandbox: %d/%d %s", e.Code, e.Subcode, e.Message)
}

// invalidParam is code 100, the answer to a request Meta would refuse as malformed.
func invalidParam(format string, a ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: 100, Type: "OAuthException",
		Message: "(#100) " + fmt.Sprintf(format, a...)}
}

// required is code 100 for a missing parameter, worded as Meta words it.
func required(name string) *apiError {
	return invalidParam("The parameter %s is required", name)
}

// notFound is Meta's answer for an id it does not know or the token cannot see (code 100, subcode 33).
func notFound(id string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: 100, Subcode: 33, Type: "GraphMethodException",
		Message: fmt.Sprintf("Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", id)}
}

// unsupported answers a method or edge the sandbox does not serve.
func unsupported(method, path string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: 100, Type: "GraphMethodException",
		Message: fmt.Sprintf("Unsupported %s request to %s.", strings.ToLower(method), path)}
}

// errorBody is the JSON Meta sends with an error.
func (e *apiError) body(trace string) map[string]any {
	obj := map[string]any{"message": e.Message, "type": e.Type, "code": e.Code, "fbtrace_id": trace}
	if e.Subcode != 0 {
		obj["error_subcode"] = e.Subcode
	}
	if e.UserTitle != "" {
		obj["error_user_title"] = e.UserTitle
	}
	if e.UserMsg != "" {
		obj["error_user_msg"] = e.UserMsg
	}
	if e.Transient {
		obj["is_transient"] = true
	}
	return map[string]any{"error": obj}
}

// params are a call's parameters whatever way they came: Graph takes them in the query string, as a form or
// as a JSON body. Values that came as text and read as JSON objects, arrays or numbers are kept as JSON, so
// that targeting={"…"} in a form and "targeting":{…} in a body decode alike.
type params map[string]json.RawMessage

// readParams merges the query, a form body and a JSON body (later wins), without the credentials.
func readParams(r *http.Request) (params, *apiError) {
	p := params{}
	addValues := func(v url.Values) {
		for k, vs := range v {
			if k == "access_token" || k == "appsecret_proof" || len(vs) == 0 {
				continue
			}
			p[k] = textValue(vs[len(vs)-1])
		}
	}
	addValues(r.URL.Query())
	if r.Body == nil || r.Method == http.MethodGet {
		return p, nil
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		return nil, invalidParam("could not read the request body")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return p, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, invalidParam("the request body is not a JSON object: %v", err)
		}
		for k, v := range obj {
			if k == "access_token" || k == "appsecret_proof" {
				continue
			}
			p[k] = v
		}
	default:
		v, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, invalidParam("the request body is not a form: %v", err)
		}
		addValues(v)
	}
	return p, nil
}

// credential reads a credential from the query, a JSON body or a form body without consuming the body.
func credential(r *http.Request, body []byte, name string) string {
	if v := r.URL.Query().Get(name); v != "" {
		return v
	}
	if name == "access_token" {
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") || strings.HasPrefix(h, "OAuth ") {
			return strings.TrimSpace(h[strings.IndexByte(h, ' ')+1:])
		}
	}
	if len(body) == 0 {
		return ""
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil {
		var s string
		_ = json.Unmarshal(obj[name], &s)
		return s
	}
	if v, err := url.ParseQuery(string(body)); err == nil {
		return v.Get(name)
	}
	return ""
}

// textValue keeps JSON-looking text as JSON and anything else as a JSON string.
func textValue(s string) json.RawMessage {
	t := strings.TrimSpace(s)
	if t != "" && (t[0] == '{' || t[0] == '[') && json.Valid([]byte(t)) {
		return json.RawMessage(t)
	}
	b, _ := json.Marshal(s)
	return b
}

// has reports whether name was given (even empty).
func (p params) has(name string) bool { _, ok := p[name]; return ok }

// str reads a text parameter ("" when absent); numbers are accepted and given as their text.
func (p params) str(name string) string {
	raw, ok := p[name]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}

// int64 reads an integer parameter given as a number or as text; ok is false when absent.
func (p params) int64(name string) (v int64, ok bool, err *apiError) {
	s := p.str(name)
	if !p.has(name) || s == "" {
		return 0, false, nil
	}
	n, perr := strconv.ParseInt(s, 10, 64)
	if perr != nil {
		return 0, true, invalidParam("Param %s must be an integer", name)
	}
	return n, true, nil
}

// decode reads a JSON-valued parameter (an object or an array) into v; absent leaves v alone.
func (p params) decode(name string, v any) *apiError {
	raw, ok := p[name]
	if !ok {
		return nil
	}
	// A JSON object or array sent as a quoted string (some SDKs do) is unwrapped first.
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = json.RawMessage(s)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return invalidParam("Param %s is not valid: %v", name, err)
	}
	return nil
}

// list reads a parameter given as a JSON array of strings or as comma-separated text.
func (p params) list(name string) []string {
	raw, ok := p[name]
	if !ok {
		return nil
	}
	var out []string
	if json.Unmarshal(raw, &out) == nil {
		return out
	}
	for _, f := range strings.Split(p.str(name), ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// oneOf checks an enum parameter and words the error as Meta does.
func oneOf(name, value string, allowed ...string) *apiError {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return invalidParam("Param %s must be one of {%s}", name, strings.Join(allowed, ", "))
}
