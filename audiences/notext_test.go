package audiences

import (
	"context"
	"errors"
	"testing"

	"relance/tenancy"
)

// TestTextRulesRefusedWithoutTextPermission: a store for a caller who may not read message texts refuses
// every rule with a text condition, in create, update and preview, with one error whatever the words (a
// matching word, a missing one, an empty or malformed value), and still takes rules without text.
func TestTextRulesRefusedWithoutTextPermission(t *testing.T) {
	e := newStoreEnv(t, 3)
	ctx := context.Background()
	opts := e.st.opts
	opts.NoText = true
	st := NewStore(e.st.db, e.tenant, e.brand, opts)
	plain := `{"field":"inbound_count","op":"gte","value":1}`
	name := "plain"
	a, err := st.Create(ctx, Input{Name: &name, Rule: []byte(plain)})
	if err != nil {
		t.Fatalf("a rule without text: %v", err)
	}
	for _, rule := range []string{
		`{"field":"text","op":"contains","value":"hello"}`,
		`{"field":"text","op":"contains","value":"zzzz-nobody-wrote-this"}`,
		`{"field":"text","op":"contains","value":""}`,
		`{"all":[{"field":"inbound_count","op":"gte","value":1},{"not":{"field":"text","op":"contains","value":"x"}}]}`,
		`{"field":"text","op":"nope"}`,
	} {
		if _, err := st.Preview(ctx, []byte(rule)); !errors.Is(err, ErrTextForbidden) || !errors.Is(err, tenancy.ErrForbidden) {
			t.Errorf("preview %s: %v", rule, err)
		}
		if _, err := st.Create(ctx, Input{Name: &name, Rule: []byte(rule)}); !errors.Is(err, ErrTextForbidden) {
			t.Errorf("create %s: %v", rule, err)
		}
		if _, err := st.Update(ctx, a.ID, Input{Rule: []byte(rule)}); !errors.Is(err, ErrTextForbidden) {
			t.Errorf("update %s: %v", rule, err)
		}
	}
	if _, err := e.st.Preview(ctx, []byte(`{"field":"text","op":"contains","value":"hello"}`)); err != nil {
		t.Errorf("a store allowed texts: %v", err)
	}
}
