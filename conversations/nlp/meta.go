package nlp

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// metaNames maps Meta's entity and trait names, once the "wit$" prefix and the ":role" suffix are removed,
// onto relance's nine names. Everything else Meta sends (sentiment, quantity, distance, duration…) is dropped
// because relance has no use for it and must not store names outside the contract.
var metaNames = map[string]string{
	"greetings":       Greetings,
	"greeting":        Greetings,
	"bye":             Bye,
	"thanks":          Thanks,
	"datetime":        DateTime,
	"location":        Location,
	"amount_of_money": AmountOfMoney,
	"phone_number":    PhoneNumber,
	"email":           Email,
	"url":             URL,
}

// ParseMeta reads the value of a Messenger message's "nlp" or "nlpv2" field, in any of Meta's three shapes, and
// returns the entities whose confidence is at least threshold, in the contract's name order.
//
// It also accepts the whole message object (it then looks inside "nlpv2", then "nlp") so callers need not know
// which field a given Page uses. Garbage, empty or truncated input yields nil: Meta's NLP is best-effort
// enrichment and must never make message ingestion fail.
func ParseMeta(nlp json.RawMessage, threshold float64) (out []Entity) {
	// The payload is untrusted; the decoding below should not panic (FuzzParseMeta checks parseMeta without
	// this net), but a panic here would drop a webhook batch, so contain it anyway.
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	return parseMeta(nlp, threshold)
}

// parseMeta is ParseMeta without the panic guard, so that fuzzing sees panics.
func parseMeta(nlp json.RawMessage, threshold float64) []Entity {
	root, ok := jsonObject(nlp)
	if !ok {
		return nil
	}
	for _, k := range []string{"nlpv2", "nlp"} {
		if inner, ok := jsonObject(root[k]); ok {
			root = inner
			break
		}
	}
	var found []Entity
	// The 2017 shape puts greetings/thanks/bye among the entities; the wit$ and nlpv2 shapes put them in
	// traits. Reading both maps with the same code handles every shape, including hybrids.
	for _, field := range []string{"entities", "traits"} {
		group, ok := jsonObject(root[field])
		if !ok {
			continue
		}
		for key, raw := range group {
			name := metaName(key)
			if name == "" {
				continue
			}
			for _, item := range jsonArray(raw) {
				if e, ok := metaEntity(name, item); ok && e.Confidence >= threshold {
					found = append(found, e)
				}
			}
		}
	}
	out := dedupe(found)
	sortByName(out)
	return out
}

// metaName turns "wit$amount_of_money:amount_of_money", "amount_of_money:amount_of_money" or "amount_of_money"
// into "amount_of_money", and anything relance does not track into "".
func metaName(key string) string {
	k := strings.ToLower(strings.TrimSpace(key))
	k = strings.TrimPrefix(k, "wit$")
	if i := strings.IndexByte(k, ':'); i >= 0 {
		k = k[:i]
	}
	return metaNames[k]
}

func isTrait(name string) bool {
	return name == Greetings || name == Bye || name == Thanks
}

// metaEntity builds one Entity from one element of an entity or trait list; ok is false when the element
// carries nothing usable (no confidence, no value, a trait that is not "true").
func metaEntity(name string, raw json.RawMessage) (Entity, bool) {
	item, ok := jsonObject(raw)
	if !ok {
		return Entity{}, false
	}
	conf, ok := jsonNumber(item["confidence"])
	if !ok {
		return Entity{}, false
	}
	e := Entity{Name: name, Confidence: conf, Source: SourceMeta}
	if isTrait(name) {
		// Meta sends {"value":"true"}; a false or missing trait value means the trait is absent.
		if !jsonTrue(item["value"]) {
			return Entity{}, false
		}
		e.Value = TraitTrue
		return e, true
	}
	e.Value = metaValue(item)
	return e, e.Value != ""
}

// metaValue renders an entity's value: strings as they are, numbers compactly, and for structured values
// (datetime intervals, money objects) the matched text ("body"), which is what a human would recognize.
func metaValue(item map[string]json.RawMessage) string {
	body := jsonString(item["body"])
	raw := bytes.TrimSpace(item["value"])
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return body
	}
	switch raw[0] {
	case '"':
		if s := jsonString(raw); s != "" {
			return s
		}
		return body
	case '{', '[':
		if body != "" {
			return body
		}
		var buf bytes.Buffer
		if json.Compact(&buf, raw) != nil {
			return ""
		}
		return buf.String()
	case 't', 'f':
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return body
		}
		return strconv.FormatBool(b)
	default:
		if f, ok := jsonNumber(raw); ok {
			return formatNumber(f)
		}
		return body
	}
}

// formatNumber prints 49.9 as "49.9" and 20 as "20": compact, and never in exponent form for ordinary amounts.
func formatNumber(f float64) string {
	if math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func jsonObject(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil, false
	}
	return m, true
}

// jsonArray returns the elements of a JSON array, or the value itself when Meta (or a proxy) sent a single
// object where a list was expected.
func jsonArray(raw json.RawMessage) []json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	if raw[0] == '{' {
		return []json.RawMessage{raw}
	}
	if raw[0] != '[' {
		return nil
	}
	var a []json.RawMessage
	if json.Unmarshal(raw, &a) != nil {
		return nil
	}
	return a
}

func jsonString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// jsonNumber accepts 0.97 and "0.97" alike, since some relays stringify numbers; NaN and infinities are
// rejected so they cannot slip past a threshold comparison.
func jsonNumber(raw json.RawMessage) (float64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0, false
	}
	var s string
	if raw[0] == '"' {
		s = jsonString(raw)
	} else {
		s = string(raw)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func jsonTrue(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	if bytes.Equal(raw, []byte("true")) {
		return true
	}
	return strings.EqualFold(jsonString(raw), "true")
}
