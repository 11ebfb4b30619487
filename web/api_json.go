package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"reflect"
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

// decodeJSON reads the body strictly into v; every API route that takes JSON goes through it. The body must
// be declared JSON (415 otherwise) and be one object without duplicate keys at any depth (400 naming the
// key: decoders disagree on which copy wins); a null is a 422 naming the field (leave a field out to keep it);
// a field that is unknown or of the wrong type is a 422 naming it, so that a typo is never silently ignored.
// Messages are written for people: the decoder's own texts and Go type names never reach the client.
func decodeJSON(c *fiber.Ctx, v any) error {
	if !isJSONType(c.Get(fiber.HeaderContentType)) {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "the request body must be JSON, sent with Content-Type: application/json")
	}
	body := bytes.TrimSpace(rawBody(c))
	if len(body) == 0 {
		return fiber.NewError(fiber.StatusBadRequest, "the request body must be a JSON object")
	}
	target := reflect.TypeOf(v)
	if err := checkJSONAt(body, "", func(segs []string) bool { return passedOn(target, segs) }); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
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
		return &tenancy.ValidationError{Fields: map[string]string{clip(name, 64): "is not a known field"}}
	}
	return fiber.NewError(fiber.StatusBadRequest, "the request body does not have the expected shape")
}

// isJSONType accepts application/json and the structured "+json" types, with any parameters.
func isJSONType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// maxJSONDepth bounds nesting: audience rules are a few levels deep, and a deeper body only costs memory.
const maxJSONDepth = 64

// jsonFrame is an object or array checkJSON is inside.
type jsonFrame struct {
	object    bool
	path      string
	segs      []string        // path as keys, "[]" for an array element
	keys      map[string]bool // keys seen, folded as encoding/json matches fields regardless of case
	key       string          // the key whose value comes next
	expectKey bool
	index     int
}

// checkJSONAt walks a body once before it is decoded: one object, well formed, no key twice in any object,
// not nested beyond maxJSONDepth, and no null unless nullOK says the value at that path is passed on as raw
// JSON to a domain package that explains its own errors (the nodes of an audience rule). root names the
// document inside a larger input (a form's rule field), so that errors name it the way the API would.
func checkJSONAt(body []byte, root string, nullOK func(segs []string) bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var stack []*jsonFrame
	nulls := map[string]string{}
	started := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return malformedJSON(body, err, dec.InputOffset())
		}
		if started && len(stack) == 0 {
			return fiber.NewError(fiber.StatusBadRequest, "malformed JSON: unexpected data after the object")
		}
		var top *jsonFrame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if top != nil && top.expectKey {
			key, _ := tok.(string)
			fold := strings.ToLower(key)
			if top.keys[fold] {
				name := clip(joinPath(top.path, key), 128)
				return &requestError{Status: fiber.StatusBadRequest, Message: "duplicate key " + strconv.Quote(name),
					Fields: map[string]string{name: "appears more than once"}}
			}
			top.keys[fold], top.key, top.expectKey = true, key, false
			continue
		}
		var here string
		var segs []string
		switch {
		case top == nil:
			if d, ok := tok.(json.Delim); !ok || d != '{' {
				return fiber.NewError(fiber.StatusBadRequest, "the request body must be a JSON object")
			}
			here, started = root, true
		case top.object:
			here, top.expectKey = joinPath(top.path, top.key), true
			segs = append(append([]string{}, top.segs...), top.key)
		default:
			here = top.path + "[" + strconv.Itoa(top.index) + "]"
			segs = append(append([]string{}, top.segs...), "[]")
			top.index++
		}
		switch t := tok.(type) {
		case json.Delim:
			if len(stack) >= maxJSONDepth {
				return fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("the JSON is nested more than %d levels deep", maxJSONDepth))
			}
			stack = append(stack, &jsonFrame{object: t == '{', expectKey: t == '{', path: here, segs: segs, keys: map[string]bool{}})
		case nil:
			if len(nulls) < 20 && !nullOK(segs) {
				nulls[clip(here, 128)] = "must not be null: give a value, or leave the field out"
			}
		}
	}
	if !started || len(stack) > 0 {
		return fiber.NewError(fiber.StatusBadRequest, "malformed JSON: the body ends before the object does")
	}
	if len(nulls) > 0 {
		return &tenancy.ValidationError{Fields: nulls}
	}
	return nil
}

// rawJSON is the type of a field whose content a domain package reads and checks itself.
var rawJSON = reflect.TypeOf(json.RawMessage(nil))

// passedOn reports that the value at segs lies inside a field of t kept as raw JSON (or as any): the
// domain package that reads it names its own errors, a null included. A null that is the field itself
// is not passed on: leaving the field out is how to say "no value".
func passedOn(t reflect.Type, segs []string) bool {
	for i, seg := range segs {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if i > 0 && (t == rawJSON || t.Kind() == reflect.Interface) {
			return true
		}
		switch t.Kind() {
		case reflect.Struct:
			f, ok := jsonField(t, seg)
			if !ok {
				return false // an unknown field: refused as such by the decoder
			}
			t = f.Type
		case reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		default:
			return false
		}
	}
	return false
}

// jsonField finds the struct field encoding/json would fill from key (names match regardless of case).
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if inner, ok := jsonField(ft, key); ok {
					return inner, true
				}
			}
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// joinPath names a key inside an object the way field errors do: "rule.all[2].op".
func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// malformedJSON says where the body stops being JSON, by line and column, without the decoder's wording.
func malformedJSON(body []byte, err error, offset int64) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		offset = syn.Offset
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fiber.NewError(fiber.StatusBadRequest, "malformed JSON: the body ends before the object does")
	}
	offset = min(max(offset, 0), int64(len(body)))
	line := 1 + bytes.Count(body[:offset], []byte("\n"))
	col := int(offset) - bytes.LastIndexByte(body[:offset], '\n')
	return fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("malformed JSON at line %d, column %d", line, col))
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
