package nlp

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// numPattern matches an amount as people type it: "1 500", "1,500.50", "1.500,50", "20,50", "20".
const numPattern = `\d{1,3}(?:[ ,.']\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?`

var (
	// "20€50", the French way of writing 20.50 €.
	reMoneySplit = mustFastRE(`\b(\d{1,6})[ \t]?€[ \t]?(\d{2})\b`)
	// Currency before the number: "$20", "€ 15", "EUR 15", "CA$25", "$2k".
	reMoneyPrefix = mustFastRE(`(\b(?:usd|eur|gbp|chf|cad|aud)\b|\b(?:us|ca|c|a|au)\$|\$|€|£)[ \t]?(` + numPattern + `)([ \t]?k\b)?`)
	// Currency after the number: "20 €", "20€", "15 dollars", "20 balles", "2k€", "25 $ CA".
	reMoneySuffix = mustFastRE(`\b(` + numPattern + `)([ \t]?k)?[ \t]?(?:(€|\$[ \t]?(?:ca|can|cad)\b|\$|£)|\b(euros?|eur|usd|gbp|chf|cad|aud|dollars?|bucks|pounds?|quid|balles|cents?|centimes?|livres?[ \t]+sterling|francs?[ \t]+suisses?|fcfa|cfa|xof)\b)`)
)

// reMoneyWords is an amount in words followed by a currency word: "twenty quid", "vingt euros".
var reMoneyWords = mustFastRE(`\b(` + numberWordsPattern + `)[ \t]+(euros?|dollars?|bucks|pounds?|quid|balles|livres?[ \t]+sterling|francs?[ \t]+suisses?)\b`)

// reMoneyWordsHint is a cheap test for a currency word, to skip reMoneyWords (slow: it has every number word)
// on most messages.
var reMoneyWordsHint = regexp.MustCompile(`euro|dollar|buck|pound|quid|balles|livre|franc`)

// currencyCodes maps what people write to ISO 4217 codes. "$" alone is read as USD: relance cannot tell a
// Canadian's dollar from an American's without the Page's country.
var currencyCodes = map[string]string{
	"€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "balles": "EUR", "centime": "EUR", "centimes": "EUR",
	"$": "USD", "usd": "USD", "us$": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD", "cent": "USD", "cents": "USD",
	"£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "quid": "GBP", "livre sterling": "GBP", "livres sterling": "GBP",
	"chf": "CHF", "franc suisse": "CHF", "francs suisses": "CHF", "franc suisses": "CHF", "francs suisse": "CHF",
	"cad": "CAD", "ca$": "CAD", "c$": "CAD", "$ ca": "CAD", "$ can": "CAD", "$ cad": "CAD", "$ca": "CAD", "$can": "CAD", "$cad": "CAD",
	"aud": "AUD", "a$": "AUD", "au$": "AUD",
	"fcfa": "XOF", "cfa": "XOF", "xof": "XOF",
}

var (
	ambiguousCurrency = setOf("balles", "pound", "pounds", "livre sterling", "livres sterling")
	ofWords           = setOf("de", "d'", "du", "des", "of", "in")
)

// findMoney finds amounts with a currency and normalizes them to "20.50 EUR" / "20 EUR", so that the same price
// typed "20,50€" or "EUR 20.50" compares equal. Bare numbers ("is it 20?") are not money: without a currency a
// careful reader cannot tell a price from a size or a quantity either.
func findMoney(d *doc) []span {
	var out []span
	if !strings.ContainsAny(d.f, "0123456789") {
		if !moneyWordsHint(d.f) {
			return nil
		}
		return findMoneyWords(d, out)
	}
	// Each pattern needs a currency sign or word: looking for one is much cheaper than running the pattern.
	if bytes.Contains(d.work, euroSign) {
		for _, m := range d.submatches(reMoneySplit) {
			units, cents := string(d.work[m[2]:m[3]]), string(d.work[m[4]:m[5]])
			if v, ok := normalizeAmount(units+"."+cents, false, "EUR"); ok {
				out = append(out, span{name: AmountOfMoney, start: m[0], end: m[1], value: v, conf: ConfidenceRule})
				d.mask(m[0], m[1])
			}
		}
	}
	if containsAny(d.work, prefixCurrencies) {
		for _, m := range d.submatches(reMoneyPrefix) {
			end := m[1]
			if end < len(d.work) && (d.work[end] >= '0' && d.work[end] <= '9') {
				continue
			}
			cur := currencyCodes[strings.Join(strings.Fields(string(d.work[m[2]:m[3]])), " ")]
			if v, ok := normalizeAmount(string(d.work[m[4]:m[5]]), m[6] >= 0, cur); ok && cur != "" {
				out = append(out, span{name: AmountOfMoney, start: m[0], end: end, value: v, conf: ConfidenceRule})
				d.mask(m[0], end)
			}
		}
	}
	if containsAny(d.work, suffixCurrencies) {
		for _, m := range d.submatches(reMoneySuffix) {
			if m[0] > 0 && (d.work[m[0]-1] == '.' || d.work[m[0]-1] == ',') {
				continue
			}
			var word string
			if m[6] >= 0 {
				word = string(d.work[m[6]:m[7]])
			} else {
				word = string(d.work[m[8]:m[9]])
			}
			word = strings.Join(strings.Fields(word), " ")
			cur := currencyCodes[word]
			if cur == "" {
				continue
			}
			// "3 balles de tennis", "5 pounds of flour": these words are also units of other things.
			if ambiguousCurrency[word] && ofWords[nextWord(d.work, m[1])] {
				continue
			}
			num := string(d.work[m[2]:m[3]])
			if word == "cent" || word == "cents" || word == "centime" || word == "centimes" {
				// "50 cents" is 0.50 of the currency.
				if n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64); err == nil && n < 100 {
					num = fmt.Sprintf("0.%02d", n)
				} else {
					continue
				}
			}
			if v, ok := normalizeAmount(num, m[4] >= 0, cur); ok {
				out = append(out, span{name: AmountOfMoney, start: m[0], end: m[1], value: v, conf: ConfidenceRule})
				d.mask(m[0], m[1])
			}
		}
	}
	if moneyWordsHint(d.f) {
		out = findMoneyWords(d, out)
	}
	return out
}

var (
	euroSign = []byte("€")
	// prefixCurrencies holds a piece of text that each match of reMoneyPrefix contains, and suffixCurrencies
	// one for reMoneySuffix.
	prefixCurrencies = [][]byte{[]byte("$"), euroSign, []byte("£"), []byte("usd"), []byte("eur"), []byte("gbp"),
		[]byte("chf"), []byte("cad"), []byte("aud")}
	suffixCurrencies = [][]byte{[]byte("$"), euroSign, []byte("£"), []byte("eur"), []byte("usd"), []byte("gbp"),
		[]byte("chf"), []byte("cad"), []byte("aud"), []byte("dollar"), []byte("bucks"), []byte("pound"),
		[]byte("quid"), []byte("balles"), []byte("cent"), []byte("livre"), []byte("franc"), []byte("cfa"), []byte("xof")}
	// moneyWords are the literals of reMoneyWordsHint.
	moneyWords = []string{"euro", "dollar", "buck", "pound", "quid", "balles", "livre", "franc"}
)

func containsAny(s []byte, subs [][]byte) bool {
	for _, sub := range subs {
		if bytes.Contains(s, sub) {
			return true
		}
	}
	return false
}

// moneyWordsHint is reMoneyWordsHint.MatchString without the regexp.
func moneyWordsHint(s string) bool {
	for _, w := range moneyWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// findMoneyWords appends amounts written in words ("twenty quid") to out.
func findMoneyWords(d *doc, out []span) []span {
	for _, m := range d.submatches(reMoneyWords) {
		word := strings.Join(strings.Fields(string(d.work[m[4]:m[5]])), " ")
		cur := currencyCodes[word]
		if cur == "" || ambiguousCurrency[word] && ofWords[nextWord(d.work, m[1])] {
			continue
		}
		n, ok := parseNumberWords(string(d.work[m[2]:m[3]]))
		if !ok {
			continue
		}
		if v, ok := normalizeAmount(strconv.FormatInt(n, 10), false, cur); ok {
			out = append(out, span{name: AmountOfMoney, start: m[0], end: m[1], value: v, conf: ConfidenceLikely})
			d.mask(m[0], m[1])
		}
	}
	return out
}

var (
	amountSpaces     = strings.NewReplacer(" ", "", "\t", "", "'", "")
	amountSeparators = strings.NewReplacer(".", "", ",", "")
)

// normalizeAmount turns "1 500", "1,500.5" or "20,50" (times 1000 when thousands is set, for "2k€") into
// "1500 EUR" / "1500.50 EUR". A separator followed by exactly three digits is a thousands separator, by one or
// two digits a decimal one (so with both "," and ".", the last one is the decimal separator).
func normalizeAmount(num string, thousands bool, cur string) (string, bool) {
	num = amountSpaces.Replace(num)
	if num == "" {
		return "", false
	}
	intPart, frac := num, ""
	if i := strings.LastIndexAny(num, ".,"); i >= 0 {
		tail := num[i+1:]
		if len(tail) <= 2 {
			intPart, frac = num[:i], tail
		}
	}
	intPart = amountSeparators.Replace(intPart)
	frac = amountSeparators.Replace(frac)
	if len(intPart) == 0 || len(intPart) > 12 || len(frac) > 2 {
		return "", false
	}
	units, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return "", false
	}
	cents := int64(0)
	if frac != "" {
		if len(frac) == 1 {
			frac += "0"
		}
		if cents, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return "", false
		}
	}
	if thousands {
		total := (units*100 + cents) * 1000
		units, cents = total/100, total%100
	}
	if cents == 0 {
		return fmt.Sprintf("%d %s", units, cur), true
	}
	return fmt.Sprintf("%d.%02d %s", units, cents, cur), true
}
