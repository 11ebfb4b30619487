package web

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"relance/audiences"
	"relance/campaigns"
	"relance/conversations"
	"relance/tenancy"
)

// apiError is the JSON error body of DESIGN §5.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// requestError is a refused request with a message and, when it helps, the fields at fault (a 400 that
// names a key, where a fiber.Error could only carry the message).
type requestError struct {
	Status  int
	Message string
	Fields  map[string]string
}

func (e *requestError) Error() string { return e.Message }

// codes maps a status to the error code the API returns.
var codes = map[int]string{
	400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
	409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_failed", 429: "too_many_requests", 500: "internal",
	503: "unavailable", 502: "meta_error",
}

// classify maps an error onto a status, a message safe to show, and field errors.
func classify(err error) (int, string, map[string]string) {
	var v *tenancy.ValidationError
	var fe *fiber.Error
	var bf *conversations.ErrBadFilter
	var re *requestError
	var le *campaigns.LaunchError
	switch {
	case errors.As(err, &re):
		return re.Status, re.Message, re.Fields
	case errors.As(err, &le):
		return le.Status(), stripPackages(le.Error()), le.Fields()
	case errors.As(err, &v):
		return fiber.StatusUnprocessableEntity, "some fields are invalid", v.Fields
	case errors.As(err, &bf):
		return fiber.StatusUnprocessableEntity, "some fields are invalid", map[string]string{bf.Field: bf.Reason}
	case isNotFoundErr(err):
		return fiber.StatusNotFound, "not found", nil
	case errors.Is(err, tenancy.ErrConflict):
		return fiber.StatusConflict, conflictMessage(err), nil
	case errors.Is(err, tenancy.ErrForbidden):
		return fiber.StatusForbidden, "you do not have access to this", nil
	case errors.Is(err, tenancy.ErrThrottled):
		return fiber.StatusTooManyRequests, "too many attempts; wait a few minutes", nil
	case errors.As(err, &fe):
		return fe.Code, fe.Message, nil
	}
	return fiber.StatusInternalServerError, "internal error; the request id is in the logs", nil
}

// conflictOps are the words for a conflict the database found (a unique key), by the operation tenancy
// names in the error; other operations get conflictGeneric.
var conflictOps = map[string]string{
	"create brand":      "a brand with this name already exists in the agency",
	"update brand":      "a brand with this name already exists in the agency",
	"add ad account":    "this ad account is already attached to the brand",
	"register meta app": "this Meta app is already registered",
	"create tenant":     "an agency with this slug already exists",
}

const conflictGeneric = "this conflicts with existing data"

var opName = regexp.MustCompile(`^[a-z]+( [a-z]+){0,3}$`)

// conflictMessage is a conflict's explanation for people, without package names or the sentinel's
// "tenancy: conflict". A domain conflict says why either after the sentinel ("%w: build it first") or just
// before it ("tenancy: brand has Pages: %w"); a database conflict only names the operation.
func conflictMessage(err error) string {
	// A conflict written for people (tenancy's governance conflicts) is shown whole.
	var ex interface{ Explain() string }
	if errors.As(err, &ex) {
		return ex.Explain()
	}
	sentinel := tenancy.ErrConflict.Error()
	before, after, _ := strings.Cut(err.Error(), sentinel)
	if after = strings.Trim(after, ": "); after != "" {
		return stripPackages(after)
	}
	parts := strings.Split(strings.Trim(before, ": "), ": ")
	last := parts[len(parts)-1]
	if h, ok := conflictOps[last]; ok {
		return h
	}
	if last == "" || opName.MatchString(last) || isPackageName(last) {
		return conflictGeneric
	}
	return stripPackages(last)
}

// stripPackages removes "pkg: " prefixes from a domain message.
func stripPackages(msg string) string {
	parts := strings.Split(msg, ": ")
	kept := parts[:0]
	for _, p := range parts {
		if !isPackageName(p) {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ": ")
}

// isPackageName reports one of relance's package names, as errors start with them.
func isPackageName(s string) bool {
	switch s {
	case "tenancy", "audiences", "conversations", "campaigns", "scheduler", "meta", "web", "app", "database", "policy":
		return true
	}
	return false
}

// handleError is Fiber's error handler: JSON for the API, a page (or a redirect to login) for the UI.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status, msg, fields := classify(err)
	if status == fiber.StatusRequestEntityTooLarge {
		msg = fmt.Sprintf("the request body is larger than the limit of %s", sizeText(s.bodyLimit()))
	}
	if c.Locals(localRequestID) == nil {
		// fasthttp refused the request before the middleware ran (body over the limit, headers too
		// large): observe never saw it, so it is logged and counted here.
		s.observeRefused(c, status)
	}
	if status >= 500 {
		s.Log.Error("request failed", "err", err, "path", logPath(c), "request_id", c.Locals(localRequestID))
	}
	if isAPI(c) || strings.HasPrefix(c.Path(), "/webhooks/") || isMetricsPath(c.Path()) || c.Path() == "/livez" || c.Path() == "/readyz" {
		code := codes[status]
		if code == "" {
			code = "error"
		}
		return c.Status(status).JSON(apiError{Error: apiErrorBody{Code: code, Message: msg, Fields: fields}})
	}
	if status == fiber.StatusUnauthorized && c.Method() == fiber.MethodGet {
		return c.Redirect("/login?next=" + url.QueryEscape(c.OriginalURL()))
	}
	if status == fiber.StatusUnauthorized && c.Get("HX-Request") != "" {
		c.Set("HX-Redirect", "/login")
	}
	c.Status(status)
	return s.renderPage(c, "error", "Error", fiber.Map{"Status": status, "Message": msg})
}

// isConflictErr reports a domain conflict (shown to the user rather than as an error page).
func isConflictErr(err error) bool { return errors.Is(err, tenancy.ErrConflict) }

// isNotFoundErr reports a missing object from any domain package.
func isNotFoundErr(err error) bool {
	return errors.Is(err, tenancy.ErrNotFound) || errors.Is(err, conversations.ErrNotFound) || errors.Is(err, audiences.ErrNotFound) ||
		errors.Is(err, campaigns.ErrNotFound)
}
