package tenancy

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"relance/meta"
)

// Limits of the conversion rules (DESIGN §5 "Attribution").
const (
	// MaxPayloadRules is how many purchase payload rules a brand may set.
	MaxPayloadRules = 50
	// MaxRulePayload is the longest payload a rule may name: Meta's postback payload limit.
	MaxRulePayload = 1000
)

// Payload rule matches.
const (
	MatchExact  = "exact"
	MatchPrefix = "prefix"
)

// ConversionRules derive conversions from what contacts do: a lead when a contact shares a phone number or an
// e-mail address, a purchase when a contact taps a button whose postback payload a rule names. They apply from
// the time they are set, not to what happened before.
type ConversionRules struct {
	LeadOnContactShared bool          `json:"lead_on_contact_shared"`
	PurchasePayloads    []PayloadRule `json:"purchase_payloads"`
}

// PayloadRule is a purchase worth Value when a postback payload equals Payload (exact) or starts with it (prefix).
type PayloadRule struct {
	Payload string    `json:"payload"`
	Match   string    `json:"match"`
	Value   RuleValue `json:"value"`
}

// RuleValue is a rule's amount, a decimal string, in its ISO 4217 currency.
type RuleValue struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// Any reports whether a rule is set.
func (r ConversionRules) Any() bool { return r.LeadOnContactShared || len(r.PurchasePayloads) > 0 }

// PurchaseFor finds the rule a postback payload matches: an exact rule first, else the longest prefix, so a
// more specific rule wins whatever the list order.
func (r ConversionRules) PurchaseFor(payload string) (PayloadRule, bool) {
	best, found := PayloadRule{}, false
	for _, p := range r.PurchasePayloads {
		switch {
		case p.Match == MatchExact && payload == p.Payload:
			return p, true
		case p.Match == MatchPrefix && strings.HasPrefix(payload, p.Payload) && (!found || len(p.Payload) > len(best.Payload)):
			best, found = p, true
		}
	}
	return best, found
}

// applyConversionRules validates rules (replacing the stored ones whole) onto s; a rule's currency defaults to
// the brand's.
func applyConversionRules(fe fieldErrors, in ConversionRules, s *BrandSettings, currency string) {
	const base = "settings.conversion_rules.purchase_payloads"
	if len(in.PurchasePayloads) > MaxPayloadRules {
		fe.add(base, fmt.Sprintf("must list at most %d rules", MaxPayloadRules))
		return
	}
	out := ConversionRules{LeadOnContactShared: in.LeadOnContactShared, PurchasePayloads: make([]PayloadRule, 0, len(in.PurchasePayloads))}
	seen := map[string]bool{}
	ok := true
	for i, p := range in.PurchasePayloads {
		field := fmt.Sprintf("%s[%d]", base, i)
		bad := func(sub, reason string) { fe.add(field+sub, reason); ok = false }
		if p.Match == "" {
			p.Match = MatchExact
		}
		switch {
		case p.Payload == "":
			bad(".payload", "is required: the postback payload of the button, such as BUY_SPRING_MENU")
		case !utf8.ValidString(p.Payload) || utf8.RuneCountInString(p.Payload) > MaxRulePayload:
			bad(".payload", fmt.Sprintf("must be at most %d characters (Meta's postback payload limit)", MaxRulePayload))
		case seen[p.Match+"\x00"+p.Payload]:
			bad(".payload", "is listed twice")
		}
		seen[p.Match+"\x00"+p.Payload] = true
		if p.Match != MatchExact && p.Match != MatchPrefix {
			bad(".match", "must be exact or prefix")
		}
		cur := strings.ToUpper(strings.TrimSpace(p.Value.Currency))
		if cur == "" {
			cur = currency
		}
		digits := meta.ISOMinorDigits(cur)
		amount := strings.TrimSpace(p.Value.Amount)
		_, frac, _ := strings.Cut(amount, ".")
		m, err := meta.ParseDecimal(amount, cur)
		switch {
		case digits < 0:
			bad(".value.currency", "must be an ISO 4217 currency code such as EUR")
		case amount == "" || err != nil:
			bad(".value.amount", "must be a decimal string with a dot, such as \"49.90\" (no thousands separators or commas)")
		case len(frac) > digits:
			bad(".value.amount", fmt.Sprintf("has more decimals than %s has (%d)", cur, digits))
		case m.Minor < 0:
			bad(".value.amount", "must not be negative")
		default:
			p.Value = RuleValue{Amount: meta.FormatDecimal(m), Currency: m.Currency}
		}
		out.PurchasePayloads = append(out.PurchasePayloads, p)
	}
	if ok {
		s.ConversionRules = &out
	}
}
