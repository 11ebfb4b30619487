package nlp

import (
	"regexp"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

var (
	// rePhoneCandidate finds runs that could be phone numbers: an optional "+" or "00", digits in groups
	// separated by single spaces, dots, dashes or slashes, and parentheses around an area code. Validation is
	// left to libphonenumber (github.com/nyaruka/phonenumbers), which has no text matcher of its own.
	rePhoneCandidate = regexp.MustCompile(`(?:\+[ \t]?|\b00[ \t]?)?(?:\([ \t]?\d{1,4}[ \t]?\)[ \t.\-]?)?\d(?:(?:[ \t.\-/]|[ \t]?\(\d{1,4}\)[ \t]?)?\d){5,17}`)
	// rePhoneNotContext rejects digit runs introduced as something else: order, tracking, invoice, customer or
	// card numbers are the usual false positives in customer messages.
	rePhoneNotContext = mustFastRE(`\b(?:order|orders|commande|cmd|cde|ref|refs|reference|tracking|suivi|colis|parcel|facture|invoice|siret|siren|iban|bic|card|carte|cb|client|customer|account|compte|id|sku|code|serial|serie|dossier|ticket|case|contrat|contract|abonne|member|membre|transaction)\b[^\x1a]{0,16}$`)
	// rePhoneContext, near a number that libphonenumber finds merely possible (not valid), is enough to accept
	// it: metadata lags behind new number ranges, and people announce their numbers.
	rePhoneContext = mustFastRE(`\b(?:phone|call|ring|text|sms|whatsapp|whats'?app|mobile|cell|landline|number|tel|telephone|portable|fixe|numero|num|appel\w*|rappel\w*|joignable|joindre|reach|contact)\b`)
	reDateLike     = regexp.MustCompile(`^\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}$|^(?:19|20)\d\d[ \-/](?:19|20)\d\d$`)
	reCurrencyNext = regexp.MustCompile(`^[ \t]?(?:€|\$|£|%|k€|k\$|eur\b|euros?\b|usd\b|dollars?\b|gbp\b|chf\b)`)
)

// findPhones finds phone numbers and normalizes them to E.164 ("+33612345678"), so that one contact's number is
// stored once whatever the spacing. region is an ISO 3166 code for national numbers, or "" for the fallback
// regions documented on Extract.
func findPhones(d *doc, region string) []span {
	var out []span
	if countDigits(d.work) < 6 {
		return nil // rePhoneCandidate needs six digits
	}
	for _, m := range findAll(d, rePhoneCandidate, 0) {
		start, end := m[0], m[1]
		if start > 0 {
			if wordRuneBefore(d.work, start) || strings.IndexByte("#/.-_@,+", d.work[start-1]) >= 0 {
				continue
			}
		}
		if end < len(d.work) {
			if n := d.work[end]; wordRuneAt(d.work, end) || n == '/' || n == '@' || n == '-' || n == '.' && wordRuneAt(d.work, end+1) {
				continue
			}
			if reCurrencyNext.Match(d.work[end:min(end+8, len(d.work))]) {
				continue
			}
		}
		cand := strings.TrimSpace(string(d.work[start:end]))
		digits := countDigits(cand)
		if digits < 8 || digits > 15 || reDateLike.MatchString(cand) {
			continue
		}
		if rePhoneNotContext.Match(d.work[max(0, start-40):start]) {
			continue
		}
		// A letters-and-digits token just before ("8R 123 456 789 01", "1Z 999…") is a parcel or product code.
		if pw := prevWord(d.work, start); strings.ContainsAny(pw, "0123456789") && strings.ContainsAny(pw, "abcdefghijklmnopqrstuvwxyz") {
			continue
		}
		context := rePhoneContext.Match(d.work[max(0, start-40):start])
		if value, conf, ok := parsePhone(cand, region, context); ok {
			out = append(out, span{name: PhoneNumber, start: start, end: end, value: value, conf: conf})
		}
	}
	return out
}

// parsePhone validates one candidate and returns its E.164 form and a confidence reflecting how much was
// guessed (the region, or validity itself).
func parsePhone(cand, region string, context bool) (string, float64, bool) {
	type try struct {
		region string
		conf   float64
	}
	var tries []try
	switch {
	case strings.HasPrefix(cand, "+"):
		tries = []try{{"ZZ", ConfidenceRule}}
	case strings.HasPrefix(cand, "00"):
		// "00" is the international prefix almost everywhere but North America, where it means nothing: read it
		// from the caller's region, or from France when that region is unknown or North American.
		r := "FR"
		if region != "" && region != "US" && region != "CA" {
			r = region
		}
		tries = []try{{r, ConfidenceRule}}
	case region != "":
		tries = []try{{region, ConfidenceRule}}
	default:
		for _, r := range fallbackRegions {
			tries = append(tries, try{r, ConfidenceLikely})
		}
	}
	var possible *phonenumbers.PhoneNumber
	for _, t := range tries {
		num, err := phonenumbers.Parse(cand, t.region)
		if err != nil || num == nil {
			continue
		}
		if phonenumbers.IsValidNumber(num) {
			return phonenumbers.Format(num, phonenumbers.E164), t.conf, true
		}
		// A kept leading zero means the region does not use a trunk "0": the digits were not meant for it.
		if possible == nil && phonenumbers.IsPossibleNumber(num) && !num.GetItalianLeadingZero() {
			possible = num
		}
	}
	if possible != nil && context {
		return phonenumbers.Format(possible, phonenumbers.E164), ConfidenceFuzzy, true
	}
	return "", 0, false
}

func countDigits[T string | []byte](s T) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			n++
		}
	}
	return n
}
