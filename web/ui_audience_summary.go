package web

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"relance/audiences"
)

// ruleNames resolves the ids a rule refers to: Page ids and audience ids to their names.
type ruleNames struct {
	Pages     map[string]string
	Audiences map[string]string
	Timezone  string
}

// ruleSummary reads a stored rule as a sentence, e.g. "last inbound within 30 days AND NOT (source in ADS)".
func ruleSummary(raw json.RawMessage, names ruleNames) string {
	if len(raw) == 0 {
		return ""
	}
	r, err := audiences.Parse(raw, "rule")
	if err != nil {
		return string(raw)
	}
	return names.node(r, true)
}

// node phrases one node; groups below the top are put in parentheses.
func (n ruleNames) node(r *audiences.Rule, top bool) string {
	if r == nil {
		return ""
	}
	switch {
	case r.Field != "":
		return n.condition(r)
	case r.Not != nil:
		return "NOT (" + n.node(r.Not, true) + ")"
	}
	kids, join := r.All, " AND "
	if r.Any != nil {
		kids, join = r.Any, " OR "
	}
	switch len(kids) {
	case 0:
		return "every contact"
	case 1:
		return n.node(kids[0], top)
	}
	parts := make([]string, len(kids))
	for i, k := range kids {
		parts[i] = n.node(k, false)
	}
	s := strings.Join(parts, join)
	if !top {
		s = "(" + s + ")"
	}
	return s
}

// condition phrases one condition.
func (n ruleNames) condition(r *audiences.Rule) string {
	label := ruleFields[r.Field].Phrase
	if label == "" {
		label = r.Field
	}
	var v any
	_ = json.Unmarshal(r.Value, &v)
	switch r.Op {
	case "within_days":
		return fmt.Sprintf("%s within %v days", label, v)
	case "older_than_days":
		return fmt.Sprintf("%s more than %v days ago", label, v)
	case "between":
		if pair, ok := v.([]any); ok && len(pair) == 2 {
			return fmt.Sprintf("%s between %s and %s", label, n.day(pair[0]), n.day(pair[1]))
		}
	case "gte", "lte":
		return fmt.Sprintf("%s %s %v", label, map[string]string{"gte": "≥", "lte": "≤"}[r.Op], v)
	case "eq":
		if r.Field == "inbound_count" {
			return fmt.Sprintf("%s = %v", label, v)
		}
		return label + " is " + n.values(r.Field, v)
	case "in":
		return label + " in " + n.values(r.Field, v)
	case "prefix":
		return fmt.Sprintf("%s starts with %q", label, v)
	case "contains":
		return fmt.Sprintf("%s contains %q", label, v)
	case "mentioned":
		s := "mentioned " + strings.ReplaceAll(fmt.Sprint(v), "_", " ")
		if r.WithinDays != nil {
			s += fmt.Sprintf(" within %d days", *r.WithinDays)
		}
		return s
	case "is":
		if b, ok := v.(bool); ok && !b {
			return "never " + label
		}
		return label
	case "member_of":
		return fmt.Sprintf("%s %q", label, n.values(r.Field, v))
	}
	return fmt.Sprintf("%s %s %s", label, r.Op, r.Value)
}

// values lists a condition's values, with names for Pages and audiences.
func (n ruleNames) values(field string, v any) string {
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	out := make([]string, len(items))
	for i, it := range items {
		s := fmt.Sprint(it)
		switch field {
		case "page":
			if name := n.Pages[s]; name != "" {
				s = name
			}
		case "audience":
			if name := n.Audiences[s]; name != "" {
				s = name
			}
		case "reachability":
			s = strings.ReplaceAll(s, "_", " ")
		}
		out[i] = s
	}
	return strings.Join(out, ", ")
}

// day shows an RFC 3339 time as a date in the brand's zone.
func (n ruleNames) day(v any) string {
	t, err := time.Parse(time.RFC3339, fmt.Sprint(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	if loc, err := time.LoadLocation(n.Timezone); err == nil {
		t = t.In(loc)
	}
	return t.Format("2006-01-02")
}
