package audiences

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"relance/tenancy"
)

// checkRule parses raw and checks what the parser alone cannot: that every audience the rule refers to is
// one of the brand's, and that following member_of from this audience never comes back to it. Problems are
// added to errs under their paths and returned as a *tenancy.ValidationError; other errors are the store's.
// It returns the parsed rule when there is no error.
func (s *Store) checkRule(ctx context.Context, selfID string, raw []byte, errs map[string]string) (*Rule, error) {
	if s.opts.NoText && mentionsText(raw) {
		return nil, ErrTextForbidden
	}
	r, err := Parse(raw, "rule")
	var v *tenancy.ValidationError
	if errors.As(err, &v) {
		for k, msg := range v.Fields {
			errs[k] = msg
		}
		return nil, v
	}
	if err != nil {
		return nil, err
	}
	for _, ref := range r.refs() {
		if ref.id == selfID {
			errs[ref.path] = "an audience cannot contain itself"
			continue
		}
		row, err := s.row(ctx, ref.id)
		if errors.Is(err, ErrNotFound) {
			errs[ref.path] = fmt.Sprintf("audience %q is not one of the brand's", ref.id)
			continue
		}
		if err != nil {
			return nil, err
		}
		if selfID == "" {
			continue // a new audience: nothing can refer to it yet
		}
		chain, err := s.cycle(ctx, row, selfID, map[string]bool{})
		if err != nil {
			return nil, err
		}
		if chain != nil {
			errs[ref.path] = "makes a cycle: " + strings.Join(append([]string{row.Name}, chain...), " → ") + " → this audience"
		}
	}
	if len(errs) > 0 {
		return nil, &tenancy.ValidationError{Fields: errs}
	}
	return r, nil
}

// mentionsText reports whether any object in the JSON document has "field": "text". It reads the raw JSON,
// not a parsed rule, so that a caller refused text conditions gets the same answer for every value (a
// valid word, an empty one, a malformed node): what the texts contain cannot show through the error.
func mentionsText(raw []byte) bool {
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return false // not JSON: Parse refuses it the same way for everyone
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case map[string]any:
			if f, ok := x["field"].(string); ok && strings.EqualFold(strings.TrimSpace(f), "text") {
				return true
			}
			for _, c := range x {
				if walk(c) {
					return true
				}
			}
		case []any:
			for _, c := range x {
				if walk(c) {
					return true
				}
			}
		}
		return false
	}
	return walk(doc)
}

// cycle follows member_of from row; it returns the names along a path that reaches target, or nil.
func (s *Store) cycle(ctx context.Context, row audienceRow, target string, seen map[string]bool) ([]string, error) {
	if seen[row.ID] || row.Rule == "" {
		return nil, nil
	}
	seen[row.ID] = true
	r, err := Parse([]byte(row.Rule), "rule")
	if err != nil {
		return nil, nil // a stored rule that no longer parses refers to nothing we can follow
	}
	for _, ref := range r.refs() {
		if ref.id == target {
			return []string{}, nil
		}
		next, err := s.row(ctx, ref.id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		chain, err := s.cycle(ctx, next, target, seen)
		if err != nil || chain != nil {
			return append([]string{next.Name}, chain...), err
		}
	}
	return nil, nil
}

// referrers names the brand's audiences whose rule refers to id.
func (s *Store) referrers(ctx context.Context, id string) ([]string, error) {
	var rows []audienceRow
	if err := s.q(ctx, "audiences").Where("audiences.rule LIKE ?", "%"+id+"%").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("audiences: referrers: %w", err)
	}
	var names []string
	for _, row := range rows {
		r, err := Parse([]byte(row.Rule), "rule")
		if err != nil {
			continue
		}
		for _, ref := range r.refs() {
			if ref.id == id {
				names = append(names, row.Name)
				break
			}
		}
	}
	return names, nil
}

// ref is a member_of condition: the audience it names and the path of its value.
type ref struct{ id, path string }

func (r *Rule) refs() []ref {
	var out []ref
	r.walk(func(n *Rule) {
		if n.Field == "audience" && len(n.v.strs) == 1 {
			out = append(out, ref{id: n.v.strs[0], path: n.path + ".value"})
		}
	})
	return out
}
