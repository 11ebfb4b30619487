package web

import (
	"errors"
	"fmt"
	"testing"

	"relance/tenancy"
)

// TestConflictMessage: a conflict is told in words for people, never as "tenancy: conflict" or with
// package prefixes. Before, a database conflict answered "create brand: tenancy: conflict".
func TestConflictMessage(t *testing.T) {
	dbConflict := func(op string) error { return fmt.Errorf("tenancy: %s: %w", op, tenancy.ErrConflict) }
	for _, c := range []struct {
		err  error
		want string
	}{
		{dbConflict("create brand"), "a brand with this name already exists in the agency"},
		{dbConflict("add ad account"), "this ad account is already attached to the brand"},
		{dbConflict("grant role"), conflictGeneric},
		{fmt.Errorf("web: save: %w", dbConflict("connect page")), conflictGeneric},
		{tenancy.ErrConflict, conflictGeneric},
		{fmt.Errorf("tenancy: brand has 2 connected Page(s); disconnect them first: %w", tenancy.ErrConflict),
			"brand has 2 connected Page(s); disconnect them first"},
		{fmt.Errorf("%w: build the audience before syncing it", tenancy.ErrConflict), "build the audience before syncing it"},
		{fmt.Errorf("audiences: delete: %w", fmt.Errorf("%w (%s)", fmt.Errorf("%w: another audience's rule refers to this one", tenancy.ErrConflict), "Lapsed")),
			"another audience's rule refers to this one (Lapsed)"},
		{fmt.Errorf("%w: tenancy: the slot already ran", tenancy.ErrConflict), "the slot already ran"},
	} {
		if !errors.Is(c.err, tenancy.ErrConflict) {
			t.Fatalf("%v is not a conflict", c.err)
		}
		status, msg, _ := classify(c.err)
		if status != 409 || msg != c.want {
			t.Errorf("%q: %d %q, want 409 %q", c.err, status, msg, c.want)
		}
	}
}
