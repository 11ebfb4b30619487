package nlp

import (
	"regexp"
	"strings"
	"unicode"
)

// Location extraction is deliberately modest: a small gazetteer of places relance's customers mention, street
// addresses, postcodes, landmarks after a preposition, and capitalized names after strongly locative phrases.
// It does not try to recognize every place name; precision matters more than recall, because a wrong place in
// an audience rule is worse than a missing one.

// placeClass says how much context a gazetteer name needs.
type placeClass int

const (
	// placeAlways: unambiguous names ("lyon", "manchester"), accepted in any case.
	placeAlways placeClass = iota
	// placeCapOrPrep: names that are also words ("paris" bets, "bordeaux" the colour, "corse" strong), accepted
	// when capitalized or after a locative preposition.
	placeCapOrPrep
	// placeCapAndPrep: names that are very common words ("Nice", "Tours", "Orange"), accepted only when
	// capitalized and after a locative preposition.
	placeCapAndPrep
)

// gazetteer lists folded place names. It favours French-speaking countries, the UK, North America and large
// European cities, where relance's Pages operate.
var gazetteer = map[string]placeClass{}

func init() {
	always := `lyon marseille toulouse nantes strasbourg montpellier lille rennes reims toulon grenoble
		saint-etienne le-havre angers villeurbanne clermont-ferrand limoges amiens perpignan metz besancon
		orleans rouen mulhouse caen argenteuil montreuil roubaix tourcoing avignon nimes poitiers
		versailles courbevoie creteil pau calais la-rochelle aix-en-provence annecy bayonne biarritz brest
		lorient quimper vannes saint-malo chambery valenciennes dunkerque troyes niort colmar ajaccio bastia
		nanterre vincennes neuilly boulogne-billancourt saint-denis
		bruxelles brussels liege namur charleroi anvers antwerp gand ghent bruges mons
		geneve geneva lausanne zurich berne basel bale fribourg neuchatel lugano
		montreal quebec toronto vancouver ottawa gatineau calgary
		dakar abidjan casablanca rabat marrakech tunis alger algiers douala yaounde kinshasa
		london londres manchester birmingham liverpool leeds glasgow edinburgh edimbourg bristol cardiff
		belfast dublin brighton oxford cambridge newcastle sheffield nottingham leicester southampton cork
		new-york nyc los-angeles chicago boston miami san-francisco seattle houston dallas atlanta denver
		philadelphia brooklyn manhattan las-vegas san-diego detroit new-jersey texas california florida
		berlin madrid barcelona barcelone rome milan amsterdam lisbon lisbonne porto munich vienna prague
		tokyo sydney
		france belgique belgium suisse switzerland canada royaume-uni united-kingdom england angleterre
		scotland ecosse ireland irlande wales germany allemagne spain espagne italy italie portugal usa
		united-states etats-unis luxembourg netherlands pays-bas maroc morocco algerie algeria tunisie
		tunisia senegal cote-d'ivoire japan japon china chine australia australie europe uk
		bretagne brittany normandie normandy provence alsace ile-de-france martinique guadeloupe guyane`
	capOrPrep := `paris bordeaux dijon cannes corse corsica nord sud lens`
	capAndPrep := `nice tours orange reading bath sens vienne florence nancy austin washington phoenix laval
		victoria chelsea reunion mans jersey`
	for cls, list := range map[placeClass]string{placeAlways: always, placeCapOrPrep: capOrPrep, placeCapAndPrep: capAndPrep} {
		for _, w := range strings.Fields(list) {
			gazetteer[strings.ReplaceAll(w, "-", " ")] = cls
		}
	}
	for n := range gazetteer {
		gazetteerMaxWords = max(gazetteerMaxWords, len(strings.Fields(n)))
	}
}

// gazetteerMaxWords is the length, in words, of the longest gazetteer name.
var gazetteerMaxWords int

var (
	// locativePreps introduce a place; checked on the word before a gazetteer hit.
	locativePreps = setOf("in", "at", "to", "from", "near", "around", "a", "en", "sur", "de", "d'", "vers", "au",
		"pres", "visiting", "via", "outside", "through", "dans", "depuis", "pour", "of")

	// reStreetFR finds a French street type, optionally after a number ("12 rue", "45 bis avenue").
	reStreetFR = mustFastRE(`\b(?:(\d{1,4})(?:\s?(?:bis|ter|[a-d]))?,?\s+)?(rue|avenue|av\.|bd|boulevard|place|chemin|allee|impasse|quai|route|cours|square|passage|faubourg|voie|residence|lotissement)\b`)
	// Street types that are also ordinary words need a capitalized name after them, even with a number.
	ambiguousStreet = setOf("place", "cours", "route", "passage", "square", "voie", "residence")
	streetLinks     = setOf("de", "du", "des", "la", "le", "les", "l'", "d'", "saint", "sainte", "st", "ste", "de la", "de l'")

	// reStreetEN is an English address, on the original text: "221B Baker Street", "1600 Pennsylvania Avenue NW".
	reStreetEN = mustFastRE(`\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][A-Za-z'’\-]*\.?\s+){1,3}(?:` + streetTypesEN + `)\b\.?(?:\s+(?:NW|NE|SW|SE)\b)?`)
	// reNamedStreetEN is a named street without number: "Oxford Street", "High Street".
	reNamedStreetEN = mustFastRE(`\b(?:[A-Z][a-z'’]+\s+){1,2}(?:` + namedStreetTypesEN + `)\b`)
	// rePostcodeFR is "75011 Paris" on the original text.
	rePostcodeFR = mustFastRE(`\b\d{5}\s+\p{Lu}[\p{L}'’\-]+(?:[\s\-]+\p{Lu}[\p{L}'’\-]+)*`)
	// rePostcodeAfter is ", 75002 Paris" right after a street name.
	rePostcodeAfter = regexp.MustCompile(`^[\s,]*\d{5}\s+\p{Lu}[\p{L}'’\-]+(?:[\s\-]+\p{Lu}[\p{L}'’\-]+)*`)
	// rePostcodeUK is a UK postcode, on the original text.
	rePostcodeUK = mustFastRE(`\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b`)
	// rePostcodeUS is a state code and ZIP, on the original text.
	rePostcodeUS = mustFastRE(`\b(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY),?\s+\d{5}(?:-\d{4})?\b`)

	// reLandmark is a generic place after a preposition: "near the station", "près de la gare", "au centre-ville".
	reLandmark = mustFastRE(`\b(?:near|next\s+to|opposite|in\s+front\s+of|behind|close\s+to|by|at|to|pres\s+(?:de|du|des)|a\s+cote\s+(?:de|du|des)|en\s+face\s+(?:de|du|des)|derriere|devant|vers|au|aux|a|dans)\s+((?:the\s+|la\s+|le\s+|l'|les\s+)?(?:train\s+station|railway\s+station|station|gare|airport|aeroport|mall|shopping\s+cent(?:re|er)|centre\s+commercial|city\s+cent(?:re|er)|town\s+cent(?:re|er)|centre[\s-]ville|church|eglise|cathedral|cathedrale|mairie|town\s+hall|city\s+hall|post\s+office|poste|bureau\s+de\s+poste|hospital|hopital|university|universite|beach|plage|harbou?r|port|stadium|stade|park|parc|metro|tube\s+station|subway\s+station|bus\s+stop|arret\s+de\s+bus|market|marche|supermarket|supermarche|pharmacy|pharmacie))\b`)
	reDowntown = mustFastRE(`\b(?:downtown|centre[\s-]ville|city\s+cent(?:re|er)|town\s+cent(?:re|er))\b`)

	// reLocative introduces a place by a verb or noun that leaves little doubt ("based in", "j'habite à",
	// "magasin de"); the name after it must be capitalized.
	reLocative = mustFastRE(`\b(?:near|based\s+in|located\s+in|live\s+in|living\s+in|i'?m\s+in|im\s+in|we'?re\s+in|moved\s+to|ship(?:ping)?\s+to|deliver(?:y|ed|ing)?\s+to|(?:store|shop|branch|office|stores|shops|point|warehouse)\s+in|in|pres\s+(?:de|d')|habite\s+(?:a|en|au)|j'habite|vis\s+(?:a|en)|situee?s?\s+(?:a|en)|basee?s?\s+(?:a|en)|livr\w*\s+(?:a|en|au|sur)|(?:magasin|boutique|agence|restaurant|relais)\s+(?:de|d')|je\s+suis\s+a|on\s+est\s+a|on\s+sera\s+a|du\s+cote\s+de|region\s+de|ville\s+de|c'est\s+a|vers)\s+`)
	// notPlaces are capitalized words that follow those phrases without being places.
	notPlaces = setOf(
		"i", "je", "the", "a", "an", "my", "your", "our", "this", "that", "le", "la", "les", "mon", "ma", "mes", "votre", "notre", "ce", "cette",
		"english", "french", "spanish", "german", "italian", "anglais", "francais", "espagnol", "allemand",
		"black", "white", "red", "blue", "green", "grey", "gray", "pink", "navy", "noir", "blanc", "rouge", "bleu", "vert", "gris", "rose",
		"beige", "brown", "purple", "yellow", "gold", "silver", "marron", "jaune", "violet", "or", "argent",
		"small", "medium", "large", "extra", "petit", "moyen", "grand", "taille", "size",
		"stock", "store", "person", "advance", "total", "cash", "full", "euros", "dollars", "time", "touch", "case", "general", "particular",
		"noel", "christmas", "easter", "paques", "amazon", "instagram", "insta", "facebook", "messenger",
		"whatsapp", "paypal", "tiktok", "google", "apple", "ios", "android", "iphone", "samsung", "ok", "merci", "thanks", "bonjour",
		"hello", "hi", "mr", "mrs", "ms", "dr", "m", "mme", "monsieur", "madame")
)

const (
	streetTypesEN      = `Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|Square|Sq|Terrace|Close|Crescent|Parkway|Pkwy|Highway|Hwy|Row|Mews|Gardens|Grove`
	namedStreetTypesEN = `Street|Road|Avenue|Lane|Square|Boulevard`
)

// The patterns on the original text are run only when a text has what each of their matches contains: a
// street type, five digits in a row, a capital followed by a digit. Looking for it costs less than a run.
var (
	streetTypesENList      = strings.Split(streetTypesEN, "|")
	namedStreetTypesENList = strings.Split(namedStreetTypesEN, "|")
)

func containsAnyString(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// longestDigitRun returns the length of the longest run of ASCII digits in s.
func longestDigitRun(s string) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// hasCapitalDigit reports whether s has an ASCII capital letter followed by a digit.
func hasCapitalDigit(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' && '0' <= s[i+1] && s[i+1] <= '9' {
			return true
		}
	}
	return false
}

// findLocations finds places; the value is the place as written.
func findLocations(d *doc) []span {
	var out []span
	add := func(start, end int, conf float64) {
		for end > start && strings.IndexByte(" ,.;:!?", d.f[end-1]) >= 0 {
			end--
		}
		if end <= start || d.masked(start, end) {
			return
		}
		out = append(out, span{name: Location, start: start, end: end, conf: conf})
		d.mask(start, end)
	}
	// Addresses first, as they contain city names and capitalized words that other rules would split.
	hasDigit := strings.ContainsAny(d.orig, "0123456789")
	if hasDigit && containsAnyString(d.orig, streetTypesENList) {
		for _, m := range d.origMatches(reStreetEN) {
			add(d.rev[m[0]], d.rev[m[1]], ConfidenceRule)
		}
	}
	for _, m := range d.submatches(reStreetFR) {
		if end, ok := frenchStreetEnd(d, m); ok {
			start := m[0]
			if m[2] < 0 {
				start = m[4]
			}
			add(start, end, ConfidenceRule)
		}
	}
	if containsAnyString(d.orig, namedStreetTypesENList) {
		for _, m := range d.origMatches(reNamedStreetEN) {
			first := strings.ToLower(strings.Fields(d.orig[m[0]:m[1]])[0])
			if notPlaces[first] {
				continue
			}
			add(d.rev[m[0]], d.rev[m[1]], ConfidenceLikely)
		}
	}
	fiveDigits := hasDigit && longestDigitRun(d.orig) >= 5
	for _, re := range []*fastRE{rePostcodeFR, rePostcodeUK, rePostcodeUS} {
		if re == rePostcodeUK && !hasCapitalDigit(d.orig) || re != rePostcodeUK && !fiveDigits {
			continue
		}
		for _, m := range d.origMatches(re) {
			s := d.orig[m[0]:m[1]]
			if re == rePostcodeFR && notPlaces[strings.ToLower(strings.Fields(s)[1])] {
				continue
			}
			add(d.rev[m[0]], d.rev[m[1]], ConfidenceLikely)
		}
	}
	for _, m := range findGazetteer(d.work) {
		name := strings.Map(func(r rune) rune {
			if r == '-' {
				return ' '
			}
			return r
		}, string(d.work[m[0]:m[1]]))
		cls := gazetteer[name]
		capital := d.isCapitalized(m[0])
		prep := locativePreps[prevWord(d.work, m[0])]
		switch cls {
		case placeCapOrPrep:
			if !capital && !prep {
				continue
			}
		case placeCapAndPrep:
			if !capital || !prep || prevOrig(d, m[0]) == "a" || commonNext[nextWord(d.work, m[1])] {
				continue // "have a Nice day": English "a" is no preposition
			}
		}
		add(m[0], m[1], ConfidenceRule)
	}
	for _, m := range findAll(d, reLandmark, 1) {
		add(m[0], m[1], ConfidenceLikely)
	}
	for _, m := range findAll(d, reDowntown, 0) {
		add(m[0], m[1], ConfidenceLikely)
	}
	for _, m := range d.matches(reLocative) {
		if end, ok := capitalizedRun(d, m[1]); ok {
			add(m[1], end, ConfidenceFuzzy)
		}
	}
	return out
}

// findGazetteer returns the spans of gazetteer names in the folded text, longest name first at each word. A map
// lookup over word n-grams is much faster than one regexp alternation of hundreds of names.
func findGazetteer(s []byte) [][2]int {
	type tok struct{ start, end int }
	var tokBuf [32]tok
	toks := tokBuf[:0]
	for i := 0; i < len(s); {
		if !isWordByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && (isWordByte(s[j]) || s[j] == '\'' && j+1 < len(s) && isWordByte(s[j+1])) {
			j++
		}
		toks = append(toks, tok{i, j})
		i = j
	}
	var out [][2]int
	var keyBuf [64]byte
	key := keyBuf[:0]
	for i := 0; i < len(toks); i++ {
		for n := min(gazetteerMaxWords, len(toks)-i); n >= 1; n-- {
			key = key[:0]
			ok := true
			for k := i; k < i+n; k++ {
				if k > i {
					// Words of a name are separated by spaces or hyphens only, not by punctuation.
					for _, c := range s[toks[k-1].end:toks[k].start] {
						if c != ' ' && c != '-' {
							ok = false
						}
					}
					key = append(key, ' ')
				}
				key = append(key, s[toks[k].start:toks[k].end]...)
			}
			if !ok {
				continue
			}
			if _, found := gazetteer[string(key)]; found {
				out = append(out, [2]int{toks[i].start, toks[i+n-1].end})
				i += n - 1
				break
			}
		}
	}
	return out
}

var commonNext = setOf("day", "one", "weekend", "week", "evening", "trip", "price", "job", "work", "time", "juice", "jus")

// prevOrig returns the original spelling of the word before folded byte i, to tell French "à" from English "a".
func prevOrig(d *doc, i int) string {
	w := prevWord(d.work, i)
	j := i
	for j > 0 && (d.work[j-1] == ' ' || d.work[j-1] == '\t') {
		j--
	}
	return d.origSpan(j-len(w), j)
}

// frenchStreetEnd walks the words after a French street type and returns where the street name ends: link words
// ("de la") and capitalized words are taken; with a house number the first name word may be lower case ("12 rue
// de la paix"). It also takes a following postcode and city ("…, 75002 Paris").
func frenchStreetEnd(d *doc, m []int) (int, bool) {
	hasNumber := m[2] >= 0
	kind := string(d.work[m[4]:m[5]])
	i := m[1]
	names := 0
	end := i
	for {
		ws, we := wordAt(d.work, i)
		if ws < 0 {
			break
		}
		w := string(d.work[ws:we])
		if w == "d'" || w == "l'" || streetLinks[w] {
			i = we
			continue
		}
		capital := d.isCapitalized(ws) || unicode.IsDigit(rune(d.work[ws]))
		if !capital && !(names == 0 && hasNumber && !ambiguousStreet[kind]) {
			break
		}
		names++
		end = we
		i = we
		if names == 4 {
			break
		}
	}
	if names == 0 {
		return 0, false
	}
	// Look only at a short window: scanning the rest of the text for every street would be quadratic.
	o := d.off[end]
	if pc := rePostcodeAfter.FindStringIndex(d.orig[o:min(len(d.orig), o+80)]); pc != nil {
		end = d.rev[o+pc[1]]
	}
	return end, true
}

// wordAt returns the bounds of the next word at or after i (skipping spaces, stopping at punctuation other than
// apostrophes and hyphens); ws is -1 at the end of the text or before punctuation.
func wordAt(s []byte, i int) (int, int) {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	j := i
	for j < len(s) && (isWordByte(s[j]) || s[j] == '-' || (s[j] == '\'' && j > i)) {
		j++
		if s[j-1] == '\'' {
			break // "d'" and "l'" are words of their own
		}
	}
	if j == i {
		return -1, -1
	}
	return i, j
}

// capitalizedRun returns the end of one to three capitalized words starting at folded byte i, if the first one
// is not a known non-place.
func capitalizedRun(d *doc, i int) (int, bool) {
	end, n := i, 0
	for n < 3 {
		ws, we := wordAt(d.work, end)
		if ws < 0 || ws != end && n == 0 || !d.isCapitalized(ws) {
			break
		}
		w := string(d.work[ws:we])
		if notPlaces[w] || nameRank(w) >= 0 || isMonthOrDay(w) {
			break
		}
		// A place name has lower-case letters after its capital: "XL" or "UK" after "in" is a size or handled
		// by the gazetteer.
		if !hasLowerAfterFirst(d.origSpan(ws, we)) {
			break
		}
		end = we
		n++
	}
	return end, n > 0
}

var reMonthOrDay = regexp.MustCompile(`^(?:` + enMonths + `|` + frMonths + `|` + enDays + `|` + frDays + `)$`)

func isMonthOrDay(w string) bool { return reMonthOrDay.MatchString(w) }

func hasLowerAfterFirst(s string) bool {
	for i, r := range s {
		if i > 0 && unicode.IsLower(r) {
			return true
		}
	}
	return false
}
