package nlp

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzExtract checks that extract (ExtractWithRegion without its panic guard) never panics and only returns
// well-formed entities.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"",
		"Bonjour ! Is the 49.90 EUR offer still valid tomorrow at 10am?",
		"Thanks! Call me on +33 6 12 34 56 78 or write to lea@example.org",
		"Bye, I'll check https://example.com/menu near Lyon",
		"12 rue de la Paix, 75002 Paris — 1 500 € le 3 mars à 15h",
		"221B Baker Street, London NW1 6XE; £1,250.00; paul [at] example [dot] com",
		"a\u0300 bient\u00f4t \u202f\xff\xfe 20€50 quatre-vingt-dix euros",
		"(((+33))) 0033 00 +",
	} {
		f.Add(s, "")
		f.Add(s, "FR")
	}
	f.Fuzz(func(t *testing.T, text, region string) {
		seen := map[string]bool{}
		for _, e := range extract(text, region) {
			if !IsEntityName(e.Name) || e.Value == "" || e.Source != SourceRelance || e.Confidence <= 0 || e.Confidence > 1 {
				t.Fatalf("extract(%q): bad entity %+v", text, e)
			}
			k := e.Name + "\x00" + strings.ToLower(e.Value)
			if seen[k] {
				t.Fatalf("extract(%q): duplicate %+v", text, e)
			}
			seen[k] = true
		}
	})
}

// FuzzParseMeta checks that parseMeta (ParseMeta without its panic guard) never panics and only returns
// well-formed entities above the threshold.
func FuzzParseMeta(f *testing.F) {
	f.Add([]byte(`{"entities":{"wit$datetime:datetime":[{"body":"tomorrow","confidence":0.9,"value":"2025-01-01"}]},"traits":{"wit$greetings":[{"value":"true","confidence":0.99}]}}`), 0.8)
	f.Add([]byte(`{"entities":{"email":[{"confidence":"0.99","value":"a@b.fr"}],"thanks":[{"confidence":1,"value":true}]}}`), 0.5)
	f.Add([]byte(`{"nlpv2":{"entities":{"amount_of_money:amount_of_money":[{"confidence":0.97,"value":49.9,"unit":"EUR"}]}}}`), 0.0)
	f.Add([]byte(`{"entities":{"url":[{"confidence":0.9,"value":{"domain":"x"}}]}}`), 0.8)
	f.Add([]byte(`[`), 0.8)
	f.Fuzz(func(t *testing.T, raw []byte, threshold float64) {
		for _, e := range parseMeta(json.RawMessage(raw), threshold) {
			if !IsEntityName(e.Name) || e.Value == "" || e.Source != SourceMeta || !(e.Confidence >= threshold) {
				t.Fatalf("parseMeta(%q, %v): bad entity %+v", raw, threshold, e)
			}
		}
	})
}
