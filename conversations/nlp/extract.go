package nlp

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Confidence levels of relance's extractor. They are coarse on purpose: they rank how a hit was obtained, not a
// calibrated probability, so that consumers can filter out guesses (e.g. keep >= ConfidenceRule for automation).
const (
	// ConfidenceRule is given to hits of precise patterns (an e-mail, a "+33…" number, "20 €").
	ConfidenceRule = 1.0
	// ConfidenceLikely is given to hits that depend on a guess, such as a national phone number parsed with a
	// fallback region, or a bare domain without scheme.
	ConfidenceLikely = 0.9
	// ConfidenceFuzzy is given to heuristic hits, such as a capitalized word after "near".
	ConfidenceFuzzy = 0.7
)

// span is a candidate entity in folded coordinates; value "" means "the original text of the span".
type span struct {
	name       string
	start, end int
	value      string
	conf       float64
}

// Extract finds the nine entities in text with relance's own rules, for messages that carry no Meta NLP. It
// understands English and French. Phone numbers are accepted in international form ("+33 6…", "0033 6…")
// and, written nationally, when they are valid in France, the United States, the United Kingdom, Belgium or
// Switzerland (tried in that order, since relance's Pages are mostly French and English); use
// ExtractWithRegion when the Page's country is known.
func Extract(text string) []Entity {
	return ExtractWithRegion(text, "")
}

// fallbackRegions are tried, in order, for nationally written phone numbers when no region is given.
var fallbackRegions = []string{"FR", "US", "GB", "BE", "CH"}

// ExtractWithRegion is Extract with the ISO 3166 region ("FR", "US"…) used to read nationally written phone
// numbers; "" means the fallback list documented on Extract. Entities come in order of appearance, at most one
// per (name, value).
func ExtractWithRegion(text, region string) (out []Entity) {
	// Rules are plain code over regexps and should not panic (FuzzExtract checks extract without this net),
	// but this runs on every imported message and a panic would abort a whole import: contain it.
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	return extract(text, region)
}

// MaxExtractBytes bounds the text Extract reads: matching costs up to about a microsecond per byte, and chat
// messages are far shorter, so only a pasted document could exceed it; the rest of such a text is ignored.
const MaxExtractBytes = 32 << 10

// extract is ExtractWithRegion without the panic guard, so that fuzzing sees panics.
func extract(text, region string) []Entity {
	if len(text) > MaxExtractBytes {
		cut := MaxExtractBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	if strings.TrimSpace(text) == "" {
		return nil
	}
	d := newDoc(text)
	defer d.release()
	var spans []span
	claim := func(found []span) {
		for _, s := range found {
			d.mask(s.start, s.end)
		}
		spans = append(spans, found...)
	}
	// Order matters: each step masks what it found. E-mail addresses and URLs first (their domains and digits
	// would otherwise look like URLs, phone numbers or prices), then phone numbers (before prices and dates eat their digits),
	// money (before dates read "1.50" or "20h"), dates (before places read "March" or "Noël").
	claim(findEmails(d))
	claim(findURLs(d))
	// Small talk is matched with only e-mails and URLs masked: "à demain" is both a bye and a date.
	smalltalk := findSmallTalk(d)
	claim(findPhones(d, strings.ToUpper(strings.TrimSpace(region))))
	claim(findMoney(d))
	claim(findDates(d))
	claim(findLocations(d))
	spans = append(spans, smalltalk...)

	sort.SliceStable(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	es := make([]Entity, 0, len(spans))
	for _, s := range spans {
		v := s.value
		if v == "" {
			v = cleanValue(d.origSpan(s.start, s.end))
		}
		if v == "" {
			continue
		}
		es = append(es, Entity{Name: s.name, Value: v, Confidence: s.conf, Source: SourceRelance})
	}
	return dedupe(es)
}

var spaceRun = regexp.MustCompile(`\s+`)

// cleanValue trims a span cut from the original text and collapses its white space, so values compare equal
// whatever the user's spacing.
func cleanValue(s string) string {
	s = strings.TrimSpace(collapseSpace(s))
	return strings.Trim(s, " ,;:")
}

// isRESpace is regexp's \s.
func isRESpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// collapseSpace is spaceRun.ReplaceAllString(s, " "): each run of \s becomes one space.
func collapseSpace(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if isRESpace(s[i]) && (s[i] != ' ' || i+1 < len(s) && isRESpace(s[i+1])) {
			break
		}
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for i < len(s) {
		if !isRESpace(s[i]) {
			b = append(b, s[i])
			i++
			continue
		}
		b = append(b, ' ')
		for i < len(s) && isRESpace(s[i]) {
			i++
		}
	}
	return string(b)
}

// findAll runs re on the masked folded text and returns the index pairs of all matches (or of the first
// submatch group, when group is 1).
func findAll(d *doc, re interface{ FindAllSubmatchIndex([]byte, int) [][]int }, group int) [][2]int {
	var out [][2]int
	var ms [][]int
	if fre, ok := re.(*fastRE); ok {
		ms = d.submatches(fre)
	} else {
		ms = re.FindAllSubmatchIndex(d.work, -1)
	}
	for _, m := range ms {
		if 2*group+1 >= len(m) || m[2*group] < 0 {
			continue
		}
		out = append(out, [2]int{m[2*group], m[2*group+1]})
	}
	return out
}

// isWordByte reports whether b is an ASCII letter, digit or underscore. Folding turns the accented letters of
// English and French into ASCII, so word scans over the folded text can stay byte-wise; other scripts and
// emoji then act as separators, which is what "Lyon😊" needs.
func isWordByte(b byte) bool {
	return b == '_' || ('0' <= b && b <= '9') || ('a' <= b && b <= 'z')
}

// wordRuneBefore and wordRuneAt report whether the rune ending before, or starting at, byte i of s is a
// letter or digit in any script, for boundary checks that must not glue a number to a word ("тел0612…").
func wordRuneBefore(s []byte, i int) bool {
	if i <= 0 || i > len(s) {
		return false
	}
	r, _ := utf8.DecodeLastRune(s[:i])
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func wordRuneAt(s []byte, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRune(s[i:])
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// prevWord returns the word that ends before folded byte i (skipping spaces), e.g. to tell "en 2h" (a duration)
// from "à 2h" (a time).
func prevWord(s []byte, i int) string {
	j := i
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	k := j
	for k > 0 && (isWordByte(s[k-1]) || s[k-1] == '\'' || s[k-1] == '-') {
		k--
	}
	return string(s[k:j])
}

// nextWord returns the word that starts after folded byte i (skipping spaces).
func nextWord(s []byte, i int) string {
	j := i
	for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
		j++
	}
	k := j
	for k < len(s) && (isWordByte(s[k]) || s[k] == '\'' || s[k] == '-') {
		k++
	}
	return string(s[j:k])
}

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
