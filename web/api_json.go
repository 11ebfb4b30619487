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
	body := bytes.TrimSpace(c.Body())
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
		// encoding/json names a field inside a list without its index ("variants.weight"); the API names
		// paths as variants[1].weight, so find the value where the decoder stopped.
		field := typ.Field
		if p := jsonPathAt(body, typ.Offset); p != "" {
			field = p
		}
		return &tenancy.ValidationError{Fields: map[string]string{field: "must be a " + jsonKind(typ.Type.Kind().String())}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &tenancy.ValidationError{Fields: map[string]string{name: "is not a known field"}}
	}
	return fiber.NewError(fiber.StatusBadRequest, "malformed JSON")
}

// jsonPathAt names the value of body that ends at or spans offset, as the API names paths (a.b[2].c), or ""
// when offset is not inside a value of a well-formed object.
func jsonPathAt(body []byte, offset int64) string {
	type frame struct {
		array   bool
		index   int
		key     string
		wantKey bool
	}
	var stack []*frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.array {
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			} else if f.key != "" {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			}
		}
		return b.String()
	}
	done := func() { // a value of the innermost container ended
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].wantKey = true
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		top := (*frame)(nil)
		if n := len(stack); n > 0 {
			top = stack[n-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if dec.InputOffset() >= offset {
					return path()
				}
				stack = append(stack, &frame{array: t == '[', wantKey: t == '{'})
			default:
				stack = stack[:len(stack)-1]
				done()
			}
			continue
		case string:
			if top != nil && !top.array && top.wantKey {
				top.key, top.wantKey = t, false
				continue
			}
		}
		if dec.InputOffset() >= offset {
			return path()
		}
		done()
	}
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
