package nlp

import (
	"regexp"
	"strings"
)

var (
	reGreetings = regexp.MustCompile(`\b(?:hi+|hello+|hell?o+w|helo|he+y+|heya|hiya|howdy|hola|greetings|good\s+(?:morning|afternoon|evening)|bonjou?r+|bjr|bjour|bonjoir|bonsoir|bsr|salut|slt|coucou+|kikou|allo+|re\s*bonjour)\b`)
	// Greetings that are also ordinary words count only at the start of the message ("Evening!", "Yo", "cc").
	reGreetingsStart = regexp.MustCompile(`^[^a-z0-9]*(?:(?:morning|evening|afternoon)(?:\s*[!,.]|\s+(?:all|everyone|guys|team|folks|y'all))|(?:yo+|cc|re)\b)`)

	reBye = regexp.MustCompile(`\b(?:bye+|bye[\s-]?bye|goodbye|good\s+bye|see\s+(?:you|ya|u)|cya|c\s+ya|talk\s+(?:to\s+you\s+)?(?:soon|later)|ttyl|take\s+care|have\s+a\s+(?:nice|good|great|lovely|wonderful)\s+(?:day|evening|night|weekend|week|one|afternoon)|good\s*night|nighty\s+night|au\s+revoir|aurevoir|a\s+(?:tres\s+)?bientot|a\s+plus|a\s+tout\s+(?:a\s+l'heure|de\s+suite)|a\s+toute|a\s+demain|a\s+la\s+prochaine|a\s+(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)|bonne\s+(?:journee|soiree|nuit|fin\s+de\s+(?:journee|soiree|semaine)|semaine|continuation|apres-midi)|bon\s+(?:week[\s-]?end|apres[\s-]midi|aprem|dimanche|samedi)|catch\s+(?:you|ya|u)\s+later|laters|a\s+la\s+revoyure|ciao|tchao|bisous|bises|xoxo)\b|(?:^|[\s(])(?:a|@)\+(?:$|[\s!.)])`)
	// "à plus de 20 km" is not "à plus !".
	byeNotBefore = setOf("de", "d'", "que", "qu'", "grand", "petit", "cher")

	// "ta" is British for thanks but French for "your": only "ta very much" or a message that is just "ta".
	reThanksStart = regexp.MustCompile(`^[^a-z0-9]*ta(?:\s+(?:very\s+much|muchly|love|mate)\b|[^a-z0-9]*$)`)

	reThanks = regexp.MustCompile(`\b(?:thanks?|thank\s+(?:you|u|ya)|thankyou|thx|thnx|thanx|thks|tks|tnx|ty|tysm|tyvm|cheers|much\s+appreciated|(?:i\s+)?(?:really\s+)?appreciate\s+(?:it|that|the\s+help|your\s+help|you)|merci+|mrc|mci|remercie|remercions|remerciements?)\b`)
)

// findSmallTalk detects the three traits. Like Meta's traits, each is present or not: the value is "true", and
// one message yields at most one entity per trait.
func findSmallTalk(d *doc) []span {
	var out []span
	first := func(name string, re *regexp.Regexp, ok func(m []int) bool) {
		for _, m := range re.FindAllIndex(d.work, -1) {
			if ok == nil || ok(m) {
				out = append(out, span{name: name, start: m[0], end: m[1], value: TraitTrue, conf: ConfidenceRule})
				return
			}
		}
	}
	first(Greetings, reGreetingsStart, nil)
	first(Greetings, reGreetings, func(m []int) bool {
		// "hi-fi", "Hi-Tech"
		return m[1] >= len(d.work) || d.work[m[1]] != '-'
	})
	first(Bye, reBye, func(m []int) bool {
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
	first(Thanks, reThanksStart, nil)
	first(Thanks, reThanks, func(m []int) bool {
		// "thanks to the storm, my parcel is late" is not thanks.
		text := string(d.work[m[0]:m[1]])
		return !(text == "thanks" && nextWord(d.work, m[1]) == "to" && nextWord(d.work, m[1]+3) != "you")
	})
	return out
}
