package audiences

import (
	"errors"
	"strings"
	"testing"

	"relance/tenancy"
)

// TestParseNamesThePath checks that every kind of invalid node is refused with the path of the node at
// fault, the way the API's 422 and the builder's inline errors need it.
func TestParseNamesThePath(t *testing.T) {
	cases := []struct {
		rule, path, says string
	}{
		{`[]`, "rule", "must be an object"},
		{`{"all":[{"field":"inbound_count","op":"gte","value":1},{"field":"nope","op":"eq","value":1}]}`, "rule.all[1].field", "unknown field"},
		{`{"all":[{},{},{"field":"inbound_count","op":"gt","value":1}]}`, "rule.all[2].op", "not an op of inbound_count"},
		{`{"any":[]}`, "rule.any", "at least one"},
		{`{"not":{"field":"inbound_count","op":"gte","value":-1}}`, "rule.not.value", "0 or more"},
		{`{"field":"inbound_count","op":"gte","value":1.5}`, "rule.value", "whole number"},
		{`{"field":"inbound_count","op":"gte","value":"3"}`, "rule.value", "whole number"},
		{`{"field":"last_inbound_at","op":"between","value":["2026-02-01T00:00:00Z","2026-01-01T00:00:00Z"]}`, "rule.value", "before"},
		{`{"field":"last_inbound_at","op":"between","value":["yesterday","today"]}`, "rule.value", "RFC 3339"},
		{`{"field":"last_inbound_at","op":"within_days","value":36501}`, "rule.value", "36500"},
		{`{"field":"entity","op":"mentioned","value":"money"}`, "rule.value", "unknown entity"},
		{`{"field":"entity","op":"mentioned","value":"email","within_days":0}`, "rule.within_days", "from 1"},
		{`{"field":"text","op":"contains","value":"x","within_days":3}`, "rule.within_days", "only goes with"},
		{`{"field":"reachability","op":"in","value":["free","maybe"]}`, "rule.value", "unknown class"},
		{`{"field":"ad_id","op":"eq","value":"act_12"}`, "rule.value", "digits only"},
		{`{"field":"source","op":"eq","value":"ads; DROP TABLE"}`, "rule.value", "referral source"},
		{`{"field":"ref","op":"in","value":[]}`, "rule.value", "list of 1 to"},
		{`{"field":"text","op":"contains","value":"  "}`, "rule.value", "non-empty"},
		{`{"field":"talked_to_human","op":"is","value":"yes"}`, "rule.value", "true or false"},
		{`{"field":"inbound_count","op":"gte"}`, "rule.value", "required"},
		{`{"field":"inbound_count","value":1}`, "rule.op", "required"},
		{`{"all":[],"field":"inbound_count"}`, "rule", "exactly one"},
		{`{"all":[{"fiel":"x"}]}`, "rule.all[0].fiel", "not a rule key"},
		{`{"all":{"field":"inbound_count"}}`, "rule.all", "list of rules"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.rule), "rule")
		var v *tenancy.ValidationError
		if !errors.As(err, &v) {
			t.Errorf("%s: error %v, want a validation error", c.rule, err)
			continue
		}
		if msg, ok := v.Fields[c.path]; !ok || !strings.Contains(msg, c.says) {
			t.Errorf("%s: fields %v, want %s saying %q", c.rule, v.Fields, c.path, c.says)
		}
	}
}

// TestParseLimits refuses rules too deep or too large to be a person's, before compiling them.
func TestParseLimits(t *testing.T) {
	deep := strings.Repeat(`{"not":`, maxDepth+2) + `{"field":"inbound_count","op":"gte","value":1}` + strings.Repeat(`}`, maxDepth+2)
	if _, err := Parse([]byte(deep), "rule"); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("deep rule: %v", err)
	}
	wide := `{"any":[` + strings.TrimSuffix(strings.Repeat(`{"field":"inbound_count","op":"gte","value":1},`, maxNodes+1), ",") + `]}`
	if _, err := Parse([]byte(wide), "rule"); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("wide rule: %v", err)
	}
}

// TestRuleRoundTrip checks that a parsed rule renders back to the JSON the API takes, normalized.
func TestRuleRoundTrip(t *testing.T) {
	in := `{"all":[{"field":"source","op":"in","value":["ads"," shortlink"]},{"not":{"any":[{"field":"entity","op":"mentioned","value":"bye","within_days":7}]}},{"all":[]}]}`
	r, err := Parse([]byte(in), "rule")
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(r.JSON(), "rule")
	if err != nil {
		t.Fatalf("%s: %v", r.JSON(), err)
	}
	if string(again.JSON()) != string(r.JSON()) || !strings.Contains(string(r.JSON()), `{"all":[]}`) {
		t.Errorf("round trip changed the rule:\n%s\n%s", r.JSON(), again.JSON())
	}
}
