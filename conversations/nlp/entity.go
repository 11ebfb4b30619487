package nlp

import (
	"sort"
	"strings"
)

// Entity names. They are part of relance's API contract (stored in the database, used in audience rules and
// exposed over HTTP), so they must never be renamed; they match the names Meta's built-in NLP uses.
const (
	// Greetings marks an opening salutation ("hi", "bonjour").
	Greetings = "greetings"
	// Bye marks a closing formula ("bye", "au revoir", "bonne journée").
	Bye = "bye"
	// Thanks marks an expression of thanks ("thanks", "merci").
	Thanks = "thanks"
	// DateTime marks a date, time or relative day ("tomorrow at 10am", "le 3 mars").
	DateTime = "datetime"
	// Location marks a place: city, country, street address, postcode or landmark.
	Location = "location"
	// AmountOfMoney marks a number with a currency ("20 €", "$45").
	AmountOfMoney = "amount_of_money"
	// PhoneNumber marks a telephone number.
	PhoneNumber = "phone_number"
	// Email marks an e-mail address.
	Email = "email"
	// URL marks a web address, with or without a scheme.
	URL = "url"
)

// Sources of an Entity, so consumers can weigh Meta's statistical NLP and relance's rules differently.
const (
	// SourceMeta is set on entities read from Meta's webhook NLP by ParseMeta.
	SourceMeta = "meta"
	// SourceRelance is set on entities found by relance's own Extract.
	SourceRelance = "relance"
)

// TraitTrue is the Value of greetings, bye and thanks entities, mirroring Meta's trait value "true".
const TraitTrue = "true"

// entityNames is the contract's order, used to sort ParseMeta's output and in reports.
var entityNames = [...]string{Greetings, Bye, Thanks, DateTime, Location, AmountOfMoney, PhoneNumber, Email, URL}

// EntityNames returns the nine entity names in a stable order (a fresh slice, so callers cannot alter the
// contract), for reports, validation and UI pickers.
func EntityNames() []string {
	return append([]string(nil), entityNames[:]...)
}

// EntityBit is the entity's bit in contacts.entities_mask (1 << its index in EntityNames), 0 for a name
// relance does not track. Stored masks depend on the order of EntityNames: append new names, never reorder.
func EntityBit(name string) int64 {
	for i, n := range entityNames {
		if n == name {
			return 1 << i
		}
	}
	return 0
}

// Entity is one piece of information found in a message; the same type is produced from Meta's NLP and from
// relance's extractor so storage and audiences need a single code path.
type Entity struct {
	// Name is one of the nine entity name constants.
	Name string `json:"name"`
	// Value is the entity's value: "true" for traits, a normalized form where relance knows one (E.164 phone
	// numbers, "20.50 EUR"), otherwise the text as written.
	Value string `json:"value"`
	// Confidence is in [0, 1]; relance's pattern hits use 1 and its guesses less.
	Confidence float64 `json:"confidence"`
	// Source is SourceMeta or SourceRelance.
	Source string `json:"source"`
}

// IsEntityName reports whether name is one of the nine entity names, so callers can validate stored or
// user-supplied names (e.g. in audience rules) against the contract.
func IsEntityName(name string) bool {
	return nameRank(name) >= 0
}

func nameRank(name string) int {
	for i, n := range entityNames {
		if n == name {
			return i
		}
	}
	return -1
}

// dedupe keeps one entity per (name, case-folded value), the highest-confidence one, and keeps the order of
// first appearance: callers store entities as a set, and duplicates would inflate audience counts.
func dedupe(in []Entity) []Entity {
	if len(in) == 0 {
		return nil
	}
	if len(in) <= 8 {
		// The usual case, without a map: compare with what was kept (names never contain "\x00", so comparing
		// name and value is comparing keys).
		var lower [8]string
		out := make([]Entity, 0, len(in))
	next:
		for _, e := range in {
			lv := strings.ToLower(e.Value)
			for i := range out {
				if out[i].Name == e.Name && lower[i] == lv {
					if e.Confidence > out[i].Confidence {
						out[i].Confidence = e.Confidence
					}
					continue next
				}
			}
			lower[len(out)] = lv
			out = append(out, e)
		}
		return out
	}
	seen := make(map[string]int, len(in))
	out := make([]Entity, 0, len(in))
	for _, e := range in {
		k := e.Name + "\x00" + strings.ToLower(e.Value)
		if i, ok := seen[k]; ok {
			if e.Confidence > out[i].Confidence {
				out[i].Confidence = e.Confidence
			}
			continue
		}
		seen[k] = len(out)
		out = append(out, e)
	}
	return out
}

// sortByName orders entities by the contract's name order, then value, for deterministic output where the
// input (a JSON object) has no order of its own.
func sortByName(es []Entity) {
	sort.SliceStable(es, func(i, j int) bool {
		ri, rj := nameRank(es[i].Name), nameRank(es[j].Name)
		if ri != rj {
			return ri < rj
		}
		return es[i].Value < es[j].Value
	})
}
