package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// listBody is the shape of every list: a page of data and the cursor of the next one ("" at the end).
type listBody struct {
	Data       any    `json:"data"`
	NextCursor string `json:"next_cursor"`
}

// decodeJSON reads the body strictly into v. Malformed JSON is a 400; a field that is unknown or of the
// wrong type is a 422 naming it, so that a typo in a field name is never silently ignored.
func decodeJSON(c *fiber.Ctx, v any) error {
	body := bytes.TrimSpace(rawBody(c))
	if len(body) == 0 {
		return fiber.NewError(fiber.StatusBadRequest, "the request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return fiber.NewError(fiber.StatusBadRequest, "malformed JSON: unexpected data after the object")
		}
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fiber.NewError(fiber.StatusBadRequest, "malformed JSON: "+strings.TrimPrefix(err.Error(), "json: "))
	case errors.As(err, &typ) && typ.Field == "":
		return fiber.NewError(fiber.StatusBadRequest, "the request body must be a JSON object")
	case errors.As(err, &typ):
		return &tenancy.ValidationError{Fields: map[string]string{typ.Field: "must be a " + jsonKind(typ.Type.Kind().String())}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &tenancy.ValidationError{Fields: map[string]string{name: "is not a known field"}}
	}
	return fiber.NewError(fiber.StatusBadRequest, "malformed JSON")
}

// jsonKind names a Go kind the way an API client thinks of it.
func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "list"
	case "map", "struct", "ptr":
		return "object"
	}
	return "number"
}

// cursorOf reads ?cursor= and ?limit=.
func cursorOf(c *fiber.Ctx) (tenancy.Cursor, error) {
	cur := tenancy.Cursor{After: c.Query("cursor")}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			return cur, &tenancy.ValidationError{Fields: map[string]string{"limit": "must be a whole number from 1 to 200"}}
		}
		cur.Limit = n
	}
	return cur, nil
}

// visibleBrands is what the caller may see of perm's brands.
func (s *Server) visibleBrands(c *fiber.Ctx, perm string) tenancy.Visible {
	p := principalOf(c)
	all, ids := s.Store.Authz().Brands(p.TenantID, p.User.ID, perm)
	return tenancy.Visible{All: all, IDs: ids}
}

// tenantStore is the store bound to the caller's tenant.
func (s *Server) tenantStore(c *fiber.Ctx) *tenancy.TenantStore {
	return s.Store.Tenant(principalOf(c).TenantID)
}

// plainText reports whether a query value is valid UTF-8 without control characters (PostgreSQL refuses NUL,
// and no filter needs the others).
func plainText(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}
