package nlp

import "strings"

// Number words, English and French, for amounts and times written out ("twenty quid", "vingt euros",
// "quinze heures trente"): customers spell numbers out in chat far more than in forms.
var numberWords = map[string]int64{
	"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
	"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
	"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8, "neuf": 9,
	"dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20,
	"vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "septante": 70,
	"huitante": 80, "octante": 80, "nonante": 90,
}

// numberWordsPattern matches a run of number words (joined by spaces, hyphens, "and", "et"), for use inside
// larger regexps; parseNumberWords gives its value.
const numberWordsPattern = `(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|vingts?|trente|quarante|cinquante|soixante|septante|huitante|octante|nonante|cents?|mille|a|an)(?:(?:[\s-]+(?:and|et))?[\s-]+(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|vingts?|trente|quarante|cinquante|soixante|septante|huitante|octante|nonante|cents?|mille))*`

// parseNumberWords reads "twenty five", "a hundred and ten", "quatre-vingt-dix", "deux cents" or "mille
// deux cents"; ok is false for anything it does not fully understand (including a lone "a").
func parseNumberWords(s string) (int64, bool) {
	toks := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '\t' })
	var total, cur int64
	seen := false
	prev := ""
	for i, w := range toks {
		switch {
		case w == "and" || w == "et":
			if !seen {
				return 0, false
			}
		case w == "a" || w == "an":
			if i+1 >= len(toks) || (toks[i+1] != "hundred" && toks[i+1] != "thousand") {
				return 0, false
			}
			cur = 1
		case w == "hundred" || w == "cent" || w == "cents":
			if cur == 0 {
				cur = 1
			}
			cur *= 100
			seen = true
		case w == "thousand" || w == "mille":
			if cur == 0 {
				cur = 1
			}
			total += cur * 1000
			cur = 0
			seen = true
		case (w == "vingt" || w == "vingts") && prev == "quatre":
			cur += 80 - 4 // "quatre-vingt(s)" is 80
			seen = true
		default:
			v, ok := numberWords[w]
			if !ok {
				return 0, false
			}
			cur += v
			seen = true
		}
		prev = w
		if total+cur > 1e12 {
			return 0, false
		}
	}
	return total + cur, seen
}
