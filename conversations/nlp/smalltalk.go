package nlp

import (
	"bytes"
	"regexp"
	"strings"
)

var (
	reGreetings = mustFastRE(`\b(?:hi+|hello+|hell?o+w|helo|he+y+|heya|hiya|howdy|hola|greetings|good\s+(?:morning|afternoon|evening)|bonjou?r+|bjr|bjour|bonjoir|bonsoir|bsr|salut|slt|coucou+|kikou|allo+|re\s*bonjour)\b`)
	// Greetings that are also ordinary words count only at the start of the message ("Evening!", "Yo", "cc").
	reGreetingsStart = regexp.MustCompile(`^[^a-z0-9]*(?:(?:morning|evening|afternoon)(?:\s*[!,.]|\s+(?:all|everyone|guys|team|folks|y'all))|(?:yo+|cc|re)\b)`)

	// byeWords are the farewells matched as words; reBye adds "a+" and "@+", which need the "+" that most messages
	// lack, so that reByeWords, which the prefilter of fastRE applies to, can stand in for it then.
	byeWords   = `bye+|bye[\s-]?bye|goodbye|good\s+bye|see\s+(?:you|ya|u)|cya|c\s+ya|talk\s+(?:to\s+you\s+)?(?:soon|later)|ttyl|take\s+care|have\s+a\s+(?:nice|good|great|lovely|wonderful)\s+(?:day|evening|night|weekend|week|one|afternoon)|good\s*night|nighty\s+night|au\s+revoir|aurevoir|a\s+(?:tres\s+)?bientot|a\s+plus|a\s+tout\s+(?:a\s+l'heure|de\s+suite)|a\s+toute|a\s+demain|a\s+la\s+prochaine|a\s+(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)|bonne\s+(?:journee|soiree|nuit|fin\s+de\s+(?:journee|soiree|semaine)|semaine|continuation|apres-midi)|bon\s+(?:week[\s-]?end|apres[\s-]midi|aprem|dimanche|samedi)|catch\s+(?:you|ya|u)\s+later|laters|a\s+la\s+revoyure|ciao|tchao|bisous|bises|xoxo`
	reBye      = regexp.MustCompile(`\b(?:` + byeWords + `)\b|(?:^|[\s(])(?:a|@)\+(?:$|[\s!.)])`)
	reByeWords = mustFastRE(`\b(?:` + byeWords + `)\b`)
	// "à plus de 20 km" is not "à plus !".
	byeNotBefore = setOf("de", "d'", "que", "qu'", "grand", "petit", "cher")

	// "ta" is British for thanks but French for "your": only "ta very much" or a message that is just "ta".
	reThanksStart = regexp.MustCompile(`^[^a-z0-9]*ta(?:\s+(?:very\s+much|muchly|love|mate)\b|[^a-z0-9]*$)`)

	reThanks = mustFastRE(`\b(?:thanks?|thank\s+(?:you|u|ya)|thankyou|thx|thnx|thanx|thks|tks|tnx|ty|tysm|tyvm|cheers|much\s+appreciated|(?:i\s+)?(?:really\s+)?appreciate\s+(?:it|that|the\s+help|your\s+help|you)|merci+|mrc|mci|remercie|remercions|remerciements?)\b`)
)

// findSmallTalk detects the three traits. Like Meta's traits, each is present or not: the value is "true", and
// one message yields at most one entity per trait.
func findSmallTalk(d *doc) []span {
	var out []span
	first := func(name string, matches [][]int, ok func(m []int) bool) {
		for _, m := range matches {
			if ok == nil || ok(m) {
				out = append(out, span{name: name, start: m[0], end: m[1], value: TraitTrue, conf: ConfidenceRule})
				return
			}
		}
	}
	// reGreetingsStart and reThanksStart are anchored after non-alphanumerics: their word can only start at the
	// first letter or digit, which is cheaper to look at than to run them.
	lead := d.work[firstAlnum(d.work):]
	if hasAnyPrefix(lead, greetingsStartWords) {
		first(Greetings, reGreetingsStart.FindAllIndex(d.work, -1), nil)
	}
	first(Greetings, d.matches(reGreetings), func(m []int) bool {
		// "hi-fi", "Hi-Tech"
		return m[1] >= len(d.work) || d.work[m[1]] != '-'
	})
	var bye [][]int
	if bytes.IndexByte(d.work, '+') >= 0 {
		bye = reBye.FindAllIndex(d.work, -1)
	} else {
		bye = d.matches(reByeWords)
	}
	first(Bye, bye, func(m []int) bool {
		text := string(d.work[m[0]:m[1]])
		// "jusqu'à dimanche", "jusqu'à demain": a deadline, not "à dimanche !".
		if strings.HasPrefix(text, "a ") && m[0] > 0 && d.work[m[0]-1] == '\'' {
			return false
		}
		// "can you see you're…" is no farewell.
		if strings.HasPrefix(text, "see ") && m[1] < len(d.work) && d.work[m[1]] == '\'' {
			return false
		}
		if strings.HasSuffix(text, "a plus") || strings.HasPrefix(strings.TrimSpace(text), "a plus") {
			return !byeNotBefore[nextWord(d.work, m[1])]
		}
		return true
	})
	if bytes.HasPrefix(lead, []byte("ta")) {
		first(Thanks, reThanksStart.FindAllIndex(d.work, -1), nil)
	}
	first(Thanks, d.matches(reThanks), func(m []int) bool {
		// "thanks to the storm, my parcel is late" is not thanks.
		text := string(d.work[m[0]:m[1]])
		return !(text == "thanks" && nextWord(d.work, m[1]) == "to" && nextWord(d.work, m[1]+3) != "you")
	})
	return out
}

// greetingsStartWords are what reGreetingsStart can match first after non-alphanumerics.
var greetingsStartWords = [][]byte{[]byte("morning"), []byte("evening"), []byte("afternoon"), []byte("yo"),
	[]byte("cc"), []byte("re")}

// firstAlnum returns the index of the first byte of s in [a-z0-9], or len(s).
func firstAlnum(s []byte) int {
	for i, c := range s {
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			return i
		}
	}
	return len(s)
}

func hasAnyPrefix(s []byte, prefixes [][]byte) bool {
	for _, p := range prefixes {
		if bytes.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
