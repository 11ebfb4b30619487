package web

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"relance/audiences"
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

// codes maps a status to the error code the API returns.
var codes = map[int]string{
	400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
	409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_failed", 429: "too_many_requests", 500: "internal",
	503: "unavailable",
}

// classify maps an error onto a status, a message safe to show, and field errors.
func classify(err error) (int, string, map[string]string) {
	var v *tenancy.ValidationError
	var fe *fiber.Error
	var bf *conversations.ErrBadFilter
	switch {
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

// conflictMessage keeps the domain's explanation without its package prefixes.
func conflictMessage(err error) string {
	msg := err.Error()
	const p = "tenancy: "
	for len(msg) > len(p) && msg[:len(p)] == p {
		msg = msg[len(p):]
	}
	return msg
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
		s.Log.Error("request failed", "err", err, "path", c.Path(), "request_id", c.Locals(localRequestID))
	}
	if isAPI(c) || strings.HasPrefix(c.Path(), "/webhooks/") || c.Path() == "/metrics" || c.Path() == "/livez" || c.Path() == "/readyz" {
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
	return errors.Is(err, tenancy.ErrNotFound) || errors.Is(err, conversations.ErrNotFound) || errors.Is(err, audiences.ErrNotFound)
}
