package tenancy

import "testing"

func TestPurchaseForPrefersExactThenLongestPrefix(t *testing.T) {
	r := ConversionRules{PurchasePayloads: []PayloadRule{
		{Payload: "MENU_", Match: MatchPrefix, Value: RuleValue{Amount: "1.00"}},
		{Payload: "MENU_XL_", Match: MatchPrefix, Value: RuleValue{Amount: "2.00"}},
		{Payload: "MENU_XL_VEGGIE", Match: MatchExact, Value: RuleValue{Amount: "3.00"}},
	}}
	for payload, want := range map[string]string{"MENU_S": "1.00", "MENU_XL_BEEF": "2.00", "MENU_XL_VEGGIE": "3.00", "MENU_XL_VEGGIE2": "2.00", "MENU": "", "menu_s": ""} {
		got, ok := r.PurchaseFor(payload)
		if ok != (want != "") || got.Value.Amount != want {
			t.Errorf("%q: %v %+v, want %q", payload, ok, got, want)
		}
	}
}
