package web

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"relance/meta"
	"relance/tenancy"
)

// The brand form edits the purchase payload rules as text, one rule a line: "PAYLOAD AMOUNT [CURRENCY]", a
// payload ending in * matching every payload that starts with the rest ("MENU_* 12.00 EUR").

// payloadRulesText writes rules as the form's lines.
func payloadRulesText(rules []tenancy.PayloadRule) string {
	var b strings.Builder
	for _, r := range rules {
		b.WriteString(r.Payload)
		if r.Match == tenancy.MatchPrefix {
			b.WriteByte('*')
		}
		b.WriteString(" " + r.Value.Amount + " " + r.Value.Currency + "\n")
	}
	return b.String()
}

// parsePayloadRules reads the form's lines; a line without an amount keeps an empty amount, which the store
// refuses naming the line.
func parsePayloadRules(text string) []tenancy.PayloadRule {
	out := []tenancy.PayloadRule{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		rest, last := cutLastWord(line)
		var v tenancy.RuleValue
		if len(last) == 3 && meta.ISOMinorDigits(last) >= 0 && strings.IndexFunc(last, unicode.IsDigit) < 0 {
			v.Currency = strings.ToUpper(last)
			rest, last = cutLastWord(rest)
		}
		if rest == "" { // a lone word is a payload without an amount
			rest, last = last, ""
		}
		v.Amount = last
		r := tenancy.PayloadRule{Payload: rest, Match: tenancy.MatchExact, Value: v}
		if p, ok := strings.CutSuffix(rest, "*"); ok {
			r.Payload, r.Match = p, tenancy.MatchPrefix
		}
		out = append(out, r)
	}
	return out
}

// cutLastWord splits s at its last run of spaces.
func cutLastWord(s string) (rest, last string) {
	i := strings.LastIndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return "", s
	}
	return strings.TrimSpace(s[:i]), s[i+1:]
}

// formConversionRules reads the rules part of the brand form; a form without it (from before) keeps the rules.
func formConversionRules(c *fiber.Ctx, in *tenancy.SettingsInput, f *brandForm) {
	if c.FormValue("conversion_rules") != "1" {
		return
	}
	r := tenancy.ConversionRules{LeadOnContactShared: c.FormValue("lead_on_contact_shared") == "on",
		PurchasePayloads: parsePayloadRules(c.FormValue("purchase_payloads"))}
	in.ConversionRules = &r
	f.Settings.ConversionRules = r
	f.PayloadRules = c.FormValue("purchase_payloads")
}

// payloadRuleError shows an error on one rule at the rules' field, naming its line.
func payloadRuleError(fields map[string]string, key, reason string) {
	const base = "settings.conversion_rules.purchase_payloads"
	rest, ok := strings.CutPrefix(key, base+"[")
	if !ok {
		return
	}
	i, tail, _ := strings.Cut(rest, "]")
	n, err := strconv.Atoi(i)
	if err != nil {
		return
	}
	if _, set := fields[base]; !set {
		fields[base] = "line " + strconv.Itoa(n+1) + ": " + strings.TrimPrefix(tail, ".") + " " + reason
	}
}
