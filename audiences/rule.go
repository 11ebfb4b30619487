package audiences

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"relance/conversations/nlp"
	"relance/tenancy"
)

// RuleSchema is the version of the rule JSON this package reads and writes. A stored rule carries it, so a
// later change of meaning can migrate old rules instead of silently reinterpreting them.
const RuleSchema = 1

// Limits that keep a rule cheap to compile and to show.
const (
	maxDepth     = 8
	maxNodes     = 200
	maxListItems = 1000
	maxString    = 500
	maxDays      = 36500
)

// Rule is one node of an audience rule (DESIGN §5): a group (All, Any or Not) or a condition (Field, Op, Value).
// Parse builds it from JSON; the typed value of a condition is kept beside the raw JSON it came from.
type Rule struct {
	All        []*Rule         `json:"all,omitempty"`
	Any        []*Rule         `json:"any,omitempty"`
	Not        *Rule           `json:"not,omitempty"`
	Field      string          `json:"field,omitempty"`
	Op         string          `json:"op,omitempty"`
	Value      json.RawMessage `json:"value,omitempty"`
	WithinDays *int64          `json:"within_days,omitempty"`

	group string // "all", "any", "not" or "" for a condition
	path  string // where Parse found the node, for error messages
	v     value
}

// value is a condition's value once checked; which fields are set depends on the field and op.
type value struct {
	n        int64     // days or a count
	from, to time.Time // between
	strs     []string  // eq and in (one item for eq), prefix, contains, member_of
	b        bool      // is
}

// valueKind says what JSON a field and op take.
type valueKind int

const (
	kDays valueKind = iota
	kRange
	kCount
	kString
	kStrings
	kBool
)

// opSpec is one op of a field: the value it takes and whether within_days may come with it.
type opSpec struct {
	kind   valueKind
	within bool
}

// fields is the table of DESIGN §5: for each field, its ops. Checks of the values themselves (known
// entities, classes, sources) are in checkValue.
var fields = map[string]map[string]opSpec{
	"last_inbound_at": {"within_days": {kind: kDays}, "older_than_days": {kind: kDays}, "between": {kind: kRange}},
	"first_seen_at":   {"within_days": {kind: kDays}, "older_than_days": {kind: kDays}, "between": {kind: kRange}},
	"inbound_count":   {"gte": {kind: kCount}, "lte": {kind: kCount}, "eq": {kind: kCount}},
	"source":          {"eq": {kind: kString}, "in": {kind: kStrings}},
	"ad_id":           {"eq": {kind: kString}, "in": {kind: kStrings}},
	"ref":             {"eq": {kind: kString}, "in": {kind: kStrings}, "prefix": {kind: kString}},
	"entity":          {"mentioned": {kind: kString, within: true}},
	"text":            {"contains": {kind: kString}},
	"payload":         {"eq": {kind: kString}},
	"talked_to_human": {"is": {kind: kBool}},
	"reachability":    {"eq": {kind: kString}, "in": {kind: kStrings}},
	"page":            {"eq": {kind: kString}, "in": {kind: kStrings}},
	"audience":        {"member_of": {kind: kString}},
}

// Entities are the values of the entity field: what the extractor finds in messages.
var Entities = nlp.EntityNames()

// Fields lists the rule fields in a stable order (for the UI builder and the OpenAPI document).
func Fields() []string {
	out := make([]string, 0, len(fields))
	for f := range fields {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Ops lists the ops of a field in a stable order.
func Ops(field string) []string {
	out := make([]string, 0, 3)
	for op := range fields[field] {
		out = append(out, op)
	}
	sort.Strings(out)
	return out
}

// Parse reads and checks a rule. Every problem is reported in a *tenancy.ValidationError whose keys are the
// paths of the bad nodes under root (for example "rule.all[2].op"), so the API answers 422 naming them and
// the UI builder puts each message beside its input.
func Parse(raw []byte, root string) (*Rule, error) {
	p := &parser{errs: map[string]string{}}
	r := p.node(bytes.TrimSpace(raw), root, 0)
	if len(p.errs) > 0 {
		return nil, &tenancy.ValidationError{Fields: p.errs}
	}
	return r, nil
}

type parser struct {
	errs  map[string]string
	nodes int
}

func (p *parser) fail(path, format string, a ...any) {
	if _, ok := p.errs[path]; !ok && len(p.errs) < 50 {
		p.errs[path] = fmt.Sprintf(format, a...)
	}
}

// node checks one node at path and returns it (nil when it is unusable).
func (p *parser) node(raw []byte, path string, depth int) *Rule {
	p.nodes++
	if p.nodes > maxNodes {
		p.fail(path, "a rule may have at most %d nodes", maxNodes)
		return nil
	}
	if depth > maxDepth {
		p.fail(path, "groups may be nested at most %d deep", maxDepth)
		return nil
	}
	var obj map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
		p.fail(path, "must be an object: a group (all, any, not) or a condition (field, op, value)")
		return nil
	}
	var groups []string
	for k := range obj {
		switch k {
		case "all", "any", "not":
			groups = append(groups, k)
		case "field", "op", "value", "within_days":
		default:
			p.fail(path+"."+k, "is not a rule key; use all, any, not, or field, op, value")
		}
	}
	_, hasField := obj["field"]
	switch {
	case len(groups) > 1 || (len(groups) == 1 && hasField):
		p.fail(path, "must be exactly one of a group (all, any, not) or a condition (field, op, value)")
		return nil
	case len(groups) == 1:
		return p.group(groups[0], obj[groups[0]], path, depth)
	}
	return p.condition(obj, path)
}

func (p *parser) group(kind string, raw json.RawMessage, path string, depth int) *Rule {
	r := &Rule{group: kind, path: path}
	sub := path + "." + kind
	if kind == "not" {
		r.Not = p.node(bytes.TrimSpace(raw), sub, depth+1)
		return r
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		p.fail(sub, "must be a list of rules")
		return nil
	}
	if kind == "any" && len(items) == 0 {
		p.fail(sub, "needs at least one rule (an empty any matches nobody)")
	}
	for i, it := range items {
		c := p.node(bytes.TrimSpace(it), fmt.Sprintf("%s[%d]", sub, i), depth+1)
		if kind == "all" {
			r.All = append(r.All, c)
		} else {
			r.Any = append(r.Any, c)
		}
	}
	return r
}

func (p *parser) condition(obj map[string]json.RawMessage, path string) *Rule {
	r := &Rule{path: path}
	if json.Unmarshal(obj["field"], &r.Field) != nil || r.Field == "" {
		p.fail(path+".field", "is required: one of %s", strings.Join(Fields(), ", "))
		return nil
	}
	ops, ok := fields[r.Field]
	if !ok {
		p.fail(path+".field", "unknown field %q; use one of %s", r.Field, strings.Join(Fields(), ", "))
		return nil
	}
	if json.Unmarshal(obj["op"], &r.Op) != nil || r.Op == "" {
		p.fail(path+".op", "is required for %s: one of %s", r.Field, strings.Join(Ops(r.Field), ", "))
		return nil
	}
	spec, ok := ops[r.Op]
	if !ok {
		p.fail(path+".op", "%q is not an op of %s; use one of %s", r.Op, r.Field, strings.Join(Ops(r.Field), ", "))
		return nil
	}
	if w, ok := obj["within_days"]; ok {
		if !spec.within {
			p.fail(path+".within_days", "only goes with entity mentioned")
		} else if n, ok := readInt(w); !ok || n < 1 || n > maxDays {
			p.fail(path+".within_days", "must be a whole number of days from 1 to %d", maxDays)
		} else {
			r.WithinDays = &n
		}
	}
	raw, ok := obj["value"]
	if !ok {
		p.fail(path+".value", "is required")
		return nil
	}
	r.Value = bytes.TrimSpace(raw)
	if msg := r.readValue(spec.kind); msg != "" {
		p.fail(path+".value", "%s", msg)
		return nil
	}
	if msg := r.checkValue(); msg != "" {
		p.fail(path+".value", "%s", msg)
		return nil
	}
	return r
}

// readValue decodes Value as kind into r.v, or says why it cannot.
func (r *Rule) readValue(kind valueKind) string {
	switch kind {
	case kDays:
		n, ok := readInt(r.Value)
		if !ok || n < 0 || n > maxDays {
			return fmt.Sprintf("must be a whole number of days from 0 to %d", maxDays)
		}
		r.v.n = n
	case kCount:
		n, ok := readInt(r.Value)
		if !ok || n < 0 {
			return "must be a whole number, 0 or more"
		}
		r.v.n = n
	case kRange:
		var pair []string
		if json.Unmarshal(r.Value, &pair) != nil || len(pair) != 2 {
			return `must be two RFC 3339 times, ["from", "until"]`
		}
		from, err1 := time.Parse(time.RFC3339, pair[0])
		to, err2 := time.Parse(time.RFC3339, pair[1])
		if err1 != nil || err2 != nil {
			return `must be two RFC 3339 times, such as ["2026-01-01T00:00:00Z", "2026-02-01T00:00:00+01:00"]`
		}
		if !from.Before(to) {
			return "the first time must be before the second"
		}
		r.v.from, r.v.to = from.UTC(), to.UTC()
	case kString:
		var s string
		if json.Unmarshal(r.Value, &s) != nil || strings.TrimSpace(s) == "" || len(s) > maxString {
			return fmt.Sprintf("must be a non-empty string of at most %d bytes", maxString)
		}
		r.v.strs = []string{s}
	case kStrings:
		var ss []string
		if json.Unmarshal(r.Value, &ss) != nil || len(ss) == 0 || len(ss) > maxListItems {
			return fmt.Sprintf("must be a list of 1 to %d strings", maxListItems)
		}
		for _, s := range ss {
			if strings.TrimSpace(s) == "" || len(s) > maxString {
				return fmt.Sprintf("every item must be a non-empty string of at most %d bytes", maxString)
			}
		}
		r.v.strs = ss
	case kBool:
		if json.Unmarshal(r.Value, &r.v.b) != nil {
			return "must be true or false"
		}
	}
	return ""
}

// checkValue checks values that only some strings may take, and normalizes them as stored.
func (r *Rule) checkValue() string {
	switch r.Field {
	case "source":
		for i, s := range r.v.strs {
			s = strings.ToUpper(strings.TrimSpace(s))
			for _, c := range s {
				if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
					return fmt.Sprintf("%q is not a referral source such as ADS or SHORTLINK", s)
				}
			}
			r.v.strs[i] = s
		}
	case "entity":
		if !contains(Entities, r.v.strs[0]) {
			return fmt.Sprintf("unknown entity %q; use one of %s", r.v.strs[0], strings.Join(Entities, ", "))
		}
	case "reachability":
		for _, s := range r.v.strs {
			if !contains(reachClasses, s) {
				return fmt.Sprintf("unknown class %q; use one of %s", s, strings.Join(reachClasses, ", "))
			}
		}
	case "ad_id", "page":
		for _, s := range r.v.strs {
			if strings.Trim(s, "0123456789") != "" {
				return fmt.Sprintf("%q is not a Meta id (digits only)", s)
			}
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// readInt reads a JSON number that is a whole number.
func readInt(raw json.RawMessage) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || !(raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
		return 0, false // a number, not a string holding one
	}
	var f json.Number
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&f) != nil {
		return 0, false
	}
	n, err := f.Int64()
	return n, err == nil
}

func (r *Rule) walk(fn func(*Rule)) {
	if r == nil {
		return
	}
	fn(r)
	for _, c := range r.All {
		c.walk(fn)
	}
	for _, c := range r.Any {
		c.walk(fn)
	}
	r.Not.walk(fn)
}

// MarshalJSON writes the node as the API takes it; an empty all group stays {"all": []}.
func (r *Rule) MarshalJSON() ([]byte, error) {
	switch r.kind() {
	case "all":
		return json.Marshal(map[string]any{"all": nonNil(r.All)})
	case "any":
		return json.Marshal(map[string]any{"any": nonNil(r.Any)})
	case "not":
		return json.Marshal(map[string]any{"not": r.Not})
	}
	m := map[string]any{"field": r.Field, "op": r.Op, "value": r.Value}
	if r.WithinDays != nil {
		m["within_days"] = *r.WithinDays
	}
	return json.Marshal(m)
}

func nonNil(rs []*Rule) []*Rule {
	if rs == nil {
		return []*Rule{}
	}
	return rs
}

// JSON renders the rule as the API takes it.
func (r *Rule) JSON() []byte {
	b, err := json.Marshal(r)
	if err != nil {
		return []byte(`{"all":[]}`)
	}
	return b
}
