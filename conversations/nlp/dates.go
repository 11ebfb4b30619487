package nlp

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

const (
	enDays       = `monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|thurs|weds`
	frDays       = `lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche`
	enMonths     = `january|february|march|april|may|june|july|august|september|october|november|december`
	enMonthsAbbr = `jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec`
	frMonths     = `janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre`
	frMonthsAbbr = `janv|fevr?|avr|juil`
	// Months that are also common words ("may", "mars" the planet or the chocolate bar) only count next to a
	// day number or a preposition.
	soloMonths = `january|february|march|april|june|july|august|september|october|november|december|` +
		`janvier|fevrier|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre`
	numWordsEN = `a|an|one|two|three|four|five|six|seven|eight|nine|ten|a\s+few|a\s+couple\s+of`
	numWordsFR = `un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|quinze|quelques`
	units      = `minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|heures?|h|jours?|j|semaines?|mois|ans?|annees?`
)

// datePatterns are the rules for dates and times, English and French, run on folded text (no accents). Each
// match (or its group 1, when it has one, to leave out an introducing preposition) is a datetime span; adjacent
// spans are merged afterwards ("tomorrow" + "at 10am").
var datePatterns = []*fastRE{
	// Relative days.
	mustFastRE(`\b(?:today|tonight|tonite|tomorrow|tomorow|tommorow|tmrw|tmr|2morrow|2moro|yesterday|(?:the\s+)?day\s+after\s+tomorrow|(?:the\s+)?day\s+before\s+yesterday)\b`),
	mustFastRE(`\b(?:aujourd'?\s?hui|auj|ajd|apres[\s-]demain|demain|dmn|avant[\s-]hier|hier|ce\s+soir|ce\s+matin|cet\s+apres[\s-]midi|cet\s+aprem|cette\s+nuit|a\s+soir|tout\s+a\s+l'heure)\b`),
	// Week days, optionally with "next"/"prochain" and a part of the day.
	mustFastRE(`\b(?:(?:this|next|last|coming)\s+)?(?:` + enDays + `|` + frDays + `)s?\b(?:\s+(?:morning|afternoon|evening|night|prochaine?|derniere?|matin|soir|apres[\s-]midi|midi))?`),
	// Abbreviated week days that are not words ("Fri", "thurs", "ven."); the others ("mon", "sat", "wed",
	// "sun") only after "next", "on"…
	mustFastRE(`\b(?:(?:this|next|last|coming)\s+)?(?:fri|thu|thur|tue|ven)\b\.?|\b(?:this|next|last|coming|on|every|by|until)\s+(?:mon|wed|sat|sun)\b\.?`),
	// Weeks, months, years, parts of the day.
	mustFastRE(`\b(?:this|next|last|coming)\s+(?:week|month|year|morning|afternoon|evening|night|spring|summer|autumn|fall|winter)\b`),
	mustFastRE(`\b(?:(?:the\s+)?(?:end|beginning|start|middle)\s+of\s+(?:the\s+|this\s+|next\s+)?(?:week|month|year|day))\b`),
	mustFastRE(`\b(?:in\s+the|tomorrow|every)\s+(?:morning|afternoon|evening)\b|\bat\s+night\b`),
	mustFastRE(`\b(?:(?:la\s+)?semaine\s+(?:prochaine|derniere)|cette\s+semaine|(?:le\s+)?mois\s+(?:prochain|dernier)|ce\s+mois(?:-ci)?|l'annee\s+(?:prochaine|derniere)|cette\s+annee)\b`),
	mustFastRE(`\b(?:(?:la\s+)?(?:fin|debut|milieu)\s+(?:du|de\s+la|de\s+l')\s*(?:mois|semaine|annee|journee|matinee|apres[\s-]midi))\b`),
	mustFastRE(`\b(?:le|ce|du|au|en)\s+(?:matin|soir)\b|\b(?:dans\s+la|en|en\s+fin\s+de|en\s+debut\s+de)\s+(?:matinee|soiree|journee|apres[\s-]midi)\b`),
	mustFastRE(`\b(?:(?:a|vers|ce|avant|apres)\s+midi|minuit|noon|midday|midnight)\b`),
	mustFastRE(`\b(?:(?:this|next|last|the|ce|le|du|au)\s+)?week[\s-]?ends?\b(?:\s+(?:prochain|dernier))?`),
	// Offsets: "in 2 days", "dans 10 minutes", "2 days ago", "il y a 2 jours".
	mustFastRE(`\b(?:in|dans)\s+(?:` + numWordsEN + `|` + numWordsFR + `|\d{1,3})\s+(?:` + units + `)\b`),
	mustFastRE(`\b(?:` + numWordsEN + `|\d{1,3})\s+(?:minutes?|hours?|days?|weeks?|months?|years?)\s+ago\b`),
	mustFastRE(`\bil\s+y\s+a\s+(?:` + numWordsFR + `|\d{1,3})\s+(?:minutes?|heures?|jours?|semaines?|mois|ans?)\b`),
	// Clock times: "3pm", "10:30", "15h", "9h15", "8 o'clock".
	digits(mustFastRE(`\b(?:[01]?\d|2[0-3])(?:[:.][0-5]\d)?\s?(?:(?:am|pm)\b|a\.m\.|p\.m\.)`)),
	digits(mustFastRE(`\b(?:[01]?\d|2[0-3]):[0-5]\d\b`)),
	digits(mustFastRE(`\b(?:[01]?\d|2[0-3])\s?h\s?[0-5]\d\b`)),
	mustFastRE(`\b(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+o'?clock\b`),
	// Numeric dates: "15/03", "03/11/2024", "2024-11-03", "15.03.2024".
	digits(mustFastRE(`\b\d{1,2}/\d{1,2}(?:/(?:\d{4}|\d{2}))?\b`)),
	digits(mustFastRE(`\b(?:19|20)\d{2}-\d{1,2}-\d{1,2}\b`)),
	digits(mustFastRE(`\b\d{1,2}[.\-]\d{1,2}[.\-](?:\d{4}|\d{2})\b`)),
	// Month names: "March 3rd", "3rd of March", "le 3 mars", "1er mai", "in May", "fin mars".
	mustFastRE(`\b(?:the\s+)?(?:\d{1,2}(?:st|nd|rd|th|er)?|premier)\s+(?:of\s+)?(?:` + enMonths + `|` + enMonthsAbbr + `|` + frMonths + `|` + frMonthsAbbr + `)\b\.?(?:\s+(?:19|20)\d{2}\b)?`),
	digits(mustFastRE(`\b(?:` + enMonths + `|` + enMonthsAbbr + `)\.?\s+\d{1,2}(?:st|nd|rd|th)?\b(?:,?\s+(?:19|20)\d{2}\b)?`)),
	mustFastRE(`\b(?:in|early|late|mid|end\s+of|beginning\s+of|en|debut|fin|mi|courant|d'ici|depuis|since|until)[\s-]+(?:may|mars)\b`),
	mustFastRE(`\b(?:` + soloMonths + `)\b`),
	// Ordinal days: "on the 15th", "by the 20th".
	digits(mustFastRE(`\b(?:on|from|by|until|till|before|after|to)\s+(the\s+\d{1,2}(?:st|nd|rd|th))\b`)),
	// Years after a preposition: "in 2023", "depuis 2019".
	digits(mustFastRE(`\b(?:in|since|en|depuis|from|until)\s+((?:19|20)\d{2})\b`)),
	// Holidays.
	mustFastRE(`\b(?:christmas(?:\s+eve|\s+day)?|xmas|easter(?:\s+monday|\s+sunday)?|new\s+year'?s?(?:\s+eve|\s+day)?|valentine'?s?\s+day|black\s+friday|cyber\s+monday|halloween|thanksgiving|boxing\s+day|mother'?s\s+day|father'?s\s+day|noel|paques|nouvel\s+an|reveillon|jour\s+de\s+l'an|(?:la\s+)?toussaint|(?:la\s+)?(?:saint|st)[\s-]valentin|fete\s+des\s+(?:meres|peres))\b`),
}

// digitPatterns records which datePatterns cannot match without a digit, so they can be skipped on the many
// messages that have none (the extractor's cost is dominated by regexp matching).
var digitPatterns = map[*fastRE]bool{}

func digits(re *fastRE) *fastRE {
	digitPatterns[re] = true
	return re
}

var (
	// reFRHour is a bare French hour ("15h", "à 3 heures"), checked against the word before it because
	// "en 2h" and "sous 24h" are durations, not times.
	reFRHour = mustFastRE(`\b([01]?\d|2[0-3])\s?(?:h|heures?)\b`)
	// reENClockWords is "half past two", "quarter to 5", "twenty past six".
	reENClockWords = mustFastRE(`\b(?:half|quarter|twenty[\s-]five|twenty|ten|five|\d{1,2})\s+(?:past|to)\s+(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon|midnight)\b`)
	// reFRClockWords is "quinze heures trente", "trois heures et demie"; group 1 is the hour, group 2 the
	// minutes.
	reFRClockWords = mustFastRE(`\b(une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|dix[\s-]sept|dix[\s-]huit|dix[\s-]neuf|vingt(?:[\s-]et[\s-]une|[\s-]deux|[\s-]trois)?)\s+heures?(?:\s+(et\s+(?:demie|quart)|moins\s+(?:le\s+)?quart|cinq|dix|quinze|vingt(?:[\s-]cinq)?|trente(?:[\s-]cinq)?|quarante(?:[\s-]cinq)?|cinquante(?:[\s-]cinq)?|[0-5]\d))?\b`)
	// reENHour is "at 5", "after 6": a time only when what follows cannot be a noun it counts.
	reENHour = mustFastRE(`\b(?:at|after|before|around|by|until|till|from)\s+(?:[1-9]|1[0-2])\b`)
	// reDateGap is what may separate two datetime spans that belong together ("Monday at 10am", "lundi 14h",
	// "from June 2 to June 9", "le lundi de Pâques").
	reDateGap = regexp.MustCompile(`^[\s,]*(?:(?:at|on|the|of|from|to|and|et|de|du|au|le|la|a|vers|around|between|entre|until|till|jusqu'a|jusqu'au|-)[\s,]*)*$`)

	reOrdinalEnd    = regexp.MustCompile(`\d(?:st|nd|rd|th)$`)
	notDateNouns    = setOf("floor", "time", "row", "place", "one", "item", "person", "attempt", "try", "order", "edition", "generation", "gen", "size")
	datePreps       = setOf("le", "du", "au", "on", "the", "by", "until", "till", "jusqu'au", "avant", "before", "since", "depuis", "for", "pour", "from", "after", "apres", "des", "ce", "this")
	durationBefore  = setOf("en", "sous", "pendant", "les", "toutes", "under", "within", "for", "plus", "chaque", "every", "de+")
	frHourWordsOK   = setOf("a", "vers", "avant", "apres", "des", "de", "jusqu'a", "entre", "et", "pour", "d'ici", "partir", "rdv", "rendez-vous", "ouvert", "ferme")
	niceWords       = setOf("good", "nice", "great", "happy", "lovely", "wonderful", "bon", "bonne", "beau", "excellent", "your", "votre", "ton", "enjoy", "joyeux", "joyeuses")
	enHourNextOK    = setOf("", "and", "or", "if", "then", "tonight", "today", "tomorrow", "on", "please", "pls", "plz", "ok", "instead", "latest", "at", "in", "the", "this", "ish", "sharp", "then", "works", "is", "would", "for", "et", "ou")
	dateFractionsOK = setOf("24/7", "7/7", "1/2", "1/3", "2/3", "1/4", "3/4", "1/5", "1/10", "5/5", "10/10", "50/50")
)

// findDates finds dates, times and relative days; the value is the text as written (merged across "at", "à",
// "de"…), because resolving "tomorrow" needs the message's timestamp and time zone, which the caller has.
func findDates(d *doc) []span {
	var raw [][2]int
	hasDigit := strings.ContainsAny(d.f, "0123456789")
	for _, re := range datePatterns {
		if !hasDigit && digitPatterns[re] {
			continue
		}
		for _, m := range findAll(d, re, min(re.NumSubexp(), 1)) {
			if keepDate(d, m[0], m[1]) {
				raw = append(raw, m)
			}
		}
	}
	for _, m := range d.submatches(reFRHour) {
		if !hasDigit {
			break
		}
		pw := prevWord(d.work, m[0])
		if durationBefore[pw] || (m[1] < len(d.work) && d.work[m[1]] == '/') {
			continue
		}
		// "15h" alone is a time; "2 heures" alone is a duration unless introduced by "à", "vers"… or past noon.
		isH := d.work[m[1]-1] == 'h'
		hour, _ := strconv.Atoi(string(d.work[m[2]:m[3]]))
		if !isH && !frHourWordsOK[pw] && hour < 13 {
			continue
		}
		raw = append(raw, [2]int{m[0], m[1]})
	}
	for _, m := range d.submatches(reFRClockWords) {
		pw := prevWord(d.work, m[0])
		hour, _ := parseNumberWords(string(d.work[m[2]:m[3]]))
		if durationBefore[pw] || !(frHourWordsOK[pw] || m[4] >= 0 || hour >= 13) {
			continue
		}
		raw = append(raw, [2]int{m[0], m[1]})
	}
	for _, m := range d.matches(reENClockWords) {
		if enHourNextOK[nextWord(d.work, m[1])] {
			raw = append(raw, [2]int{m[0], m[1]})
		}
	}
	for _, m := range d.matches(reENHour) {
		if m[1] < len(d.work) && (strings.IndexByte("%$€£", d.work[m[1]]) >= 0 || strings.IndexByte(".,:/", d.work[m[1]]) >= 0 && m[1]+1 < len(d.work) && d.work[m[1]+1] >= '0' && d.work[m[1]+1] <= '9') {
			continue // "by 5%", "at 9:15" (taken by another rule)
		}
		if !enHourNextOK[nextWord(d.work, m[1])] {
			continue
		}
		// Keep only the number: "at" is a connector, and the merge step joins it back if needed.
		i := m[1] - 1
		for i > m[0] && d.work[i-1] >= '0' && d.work[i-1] <= '9' {
			i--
		}
		raw = append(raw, [2]int{i, m[1]})
	}
	return mergeSpans(d, raw, DateTime, reDateGap, 1.0)
}

// keepDate filters matches of datePatterns that are not dates in context.
func keepDate(d *doc, start, end int) bool {
	if d.masked(start, end) {
		return false
	}
	text := string(d.work[start:end])
	if strings.Contains(text, "week") && niceWords[prevWord(d.work, start)] {
		return false // "have a nice weekend", "bon week-end": a bye, not a date
	}
	if reOrdinalEnd.MatchString(text) && notDateNouns[nextWord(d.work, end)] {
		return false // "on the 3rd floor"
	}
	if strings.Count(text, "/") >= 1 && !strings.ContainsAny(text, " ") {
		if dateFractionsOK[text] {
			return false
		}
		// "9/10", "4/5" are ratings unless introduced as a date ("le 8/10", "on 4/5").
		if parts := strings.Split(text, "/"); len(parts) == 2 && (parts[1] == "10" || parts[1] == "5") && !datePreps[prevWord(d.work, start)] {
			return false
		}
		return validNumericDate(strings.Split(text, "/"), true)
	}
	if len(text) <= 10 && (strings.Count(text, ".") == 2 || strings.Count(text, "-") == 2) {
		sep := "."
		if strings.Contains(text, "-") {
			sep = "-"
		}
		parts := strings.Split(text, sep)
		if len(parts[0]) == 4 { // ISO
			parts = []string{parts[2], parts[1], parts[0]}
		}
		return validNumericDate(parts, false)
	}
	return true
}

// validNumericDate checks day and month ranges; with either set, "03/15" (American order) is accepted too.
func validNumericDate(parts []string, either bool) bool {
	if len(parts) < 2 {
		return false
	}
	a, err1 := strconv.Atoi(parts[0])
	b, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	ok := func(day, month int) bool { return day >= 1 && day <= 31 && month >= 1 && month <= 12 }
	return ok(a, b) || (either && ok(b, a))
}

// mergeSpans sorts spans, joins those that overlap or are separated only by a gap matching gap, and returns
// them as entities of the given name with the original text as value.
func mergeSpans(d *doc, raw [][2]int, name string, gap *regexp.Regexp, conf float64) []span {
	if len(raw) == 0 {
		return nil
	}
	sortPairs(raw)
	var out []span
	cur := raw[0]
	for _, r := range raw[1:] {
		if r[0] <= cur[1] || (r[0]-cur[1] <= 16 && gap.Match(d.work[cur[1]:r[0]])) {
			cur[1] = max(cur[1], r[1])
			continue
		}
		out = append(out, span{name: name, start: cur[0], end: cur[1], conf: conf})
		cur = r
	}
	return append(out, span{name: name, start: cur[0], end: cur[1], conf: conf})
}

func sortPairs(p [][2]int) {
	sort.Slice(p, func(i, j int) bool {
		if p[i][0] != p[j][0] {
			return p[i][0] < p[j][0]
		}
		return p[i][1] > p[j][1]
	})
}
