package nlp

import (
	"bytes"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// checkFastRE compares every method of r with its regexp on s.
func checkFastRE(t *testing.T, r *fastRE, s string) {
	t.Helper()
	b := []byte(s)
	if got, want := r.FindAllSubmatchIndex(b, -1), r.re.FindAllSubmatchIndex(b, -1); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s\nFindAllSubmatchIndex(%q) = %v, want %v", r, s, got, want)
	}
	if got, want := r.FindAllIndex(b, -1), r.re.FindAllIndex(b, -1); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s\nFindAllIndex(%q) = %v, want %v", r, s, got, want)
	}
	if got, want := r.FindAllStringIndex(s, -1), r.re.FindAllStringIndex(s, -1); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s\nFindAllStringIndex(%q) = %v, want %v", r, s, got, want)
	}
	if got, want := r.FindStringIndex(s), r.re.FindStringIndex(s); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s\nFindStringIndex(%q) = %v, want %v", r, s, got, want)
	}
	if got, want := r.Match(b), r.re.Match(b); got != want {
		t.Fatalf("%s\nMatch(%q) = %v, want %v", r, s, got, want)
	}
	if got, want := r.MatchString(s), r.re.MatchString(s); got != want {
		t.Fatalf("%s\nMatchString(%q) = %v, want %v", r, s, got, want)
	}
}

// fastRECorpus returns texts for the equivalence test: the labelled and typical messages as written, folded,
// and folded with random regions masked, and random strings of words and separators taken from the patterns
// and the messages.
func fastRECorpus(t *testing.T, random int) []string {
	rng := rand.New(rand.NewPCG(1, 2))
	var corpus []string
	words := map[string]bool{}
	for _, text := range goldenTexts(t) {
		d := newDoc(text)
		corpus = append(corpus, text, d.f)
		for range 3 {
			w := []byte(d.f)
			if len(w) > 0 {
				i := rng.IntN(len(w))
				j := min(len(w), i+1+rng.IntN(12))
				for k := i; k < j; k++ {
					w[k] = maskByte
				}
			}
			corpus = append(corpus, string(w))
		}
		for _, w := range strings.Fields(d.f) {
			words[w] = true
		}
		for _, w := range strings.Fields(text) {
			words[w] = true
		}
	}
	for _, r := range fastREs {
		for _, w := range regexp.MustCompile(`[A-Za-z']+`).FindAllString(r.String(), -1) {
			words[w] = true
			words[strings.ToUpper(w[:1])+w[1:]] = true
		}
	}
	for i := range 40 {
		words[fmt.Sprint(i)] = true
	}
	for _, w := range []string{"2024", "1999", "75002", "12345", "0612345678", "1.500", "20,50", "12:30", "15h30",
		"3rd", "1er", "12/03/2024", "2024-11-03", "15.03.2024", "8pm", "10am", "a.m.", "NW1", "6XE", "CA", "NY",
		"www.", "http://", "https://x.fr", "t.co/", "wa.me/", "@", "[at]", "(dot)", "€", "$", "£", "k€"} {
		words[w] = true
	}
	vocab := make([]string, 0, len(words))
	for w := range words {
		vocab = append(vocab, w)
	}
	// Sorted, so that the random strings do not depend on map order.
	sortStrings(vocab)
	seps := []string{" ", " ", " ", "  ", "\t", "\n", ",", ", ", ".", ". ", "-", "/", ":", "'", "!", "?", "€", "$",
		"£", "@", "\x1a", "é", "\xff", "+", "(", ")", "", "_", "\u202f"}
	for range random {
		var b strings.Builder
		for n := 1 + rng.IntN(10); n > 0; n-- {
			b.WriteString(vocab[rng.IntN(len(vocab))])
			b.WriteString(seps[rng.IntN(len(seps))])
		}
		corpus = append(corpus, b.String())
	}
	return corpus
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestFastREEquivalence checks that every fastRE gives exactly its regexp's results.
func TestFastREEquivalence(t *testing.T) {
	random := 1500
	if testing.Short() {
		random = 300
	}
	corpus := fastRECorpus(t, random)
	for _, r := range fastREs {
		for _, s := range corpus {
			checkFastRE(t, r, s)
		}
	}
}

// TestFastREAnalysis makes sure the prefilter applies where the hot path counts on it.
func TestFastREAnalysis(t *testing.T) {
	plain := 0
	for _, r := range fastREs {
		r.ready()
		n := r.prefixes.len()
		maxLen := bits.Len8(r.prefixes.lens) - 1
		t.Logf("mode %d, %5d prefixes up to %d bytes: %.70s", r.mode, n, maxLen, r)
		if r.mode == fastREPlain {
			plain++
		}
	}
	if plain > 0 {
		t.Errorf("%d fastREs fell back to the plain regexp", plain)
	}
}

// FuzzFastRE compares every fastRE with its regexp on arbitrary text.
func FuzzFastRE(f *testing.F) {
	for _, s := range typicalMessages {
		f.Add(s)
		f.Add(newDoc(s).f)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range fastREs {
			checkFastRE(t, r, s)
		}
	})
}

// checkShortcuts checks on s that the cheap tests run instead of, or before, some regexps agree with them.
func checkShortcuts(t *testing.T, s string) {
	t.Helper()
	b := []byte(s)
	if got, want := collapseSpace(s), spaceRun.ReplaceAllString(s, " "); got != want {
		t.Fatalf("collapseSpace(%q) = %q, want %q", s, got, want)
	}
	if got, want := emailSpelledHint(s), reEmailSpelledHint.MatchString(s); got != want {
		t.Fatalf("emailSpelledHint(%q) = %v, want %v", s, got, want)
	}
	if got, want := moneyWordsHint(s), reMoneyWordsHint.MatchString(s); got != want {
		t.Fatalf("moneyWordsHint(%q) = %v, want %v", s, got, want)
	}
	if !strings.Contains(s, "+") {
		if got, want := reByeWords.FindAllIndex(b, -1), reBye.FindAllIndex(b, -1); !reflect.DeepEqual(got, want) {
			t.Fatalf("reByeWords(%q) = %v, reBye %v", s, got, want)
		}
	}
	// Necessary conditions: when one fails, the regexp must not match.
	necessary := []struct {
		name string
		re   interface{ Match([]byte) bool }
		ok   bool
	}{
		{"@", reEmail, strings.Contains(s, "@")},
		{"dot or slash", reURLScheme, strings.ContainsAny(s, "./")},
		{"dot or slash", reURLKnownHost, strings.ContainsAny(s, "./")},
		{"dot or slash", reURLWWW, strings.ContainsAny(s, "./")},
		{"dot and letters", reURLBare, hasDotLetters(b)},
		{"six digits", rePhoneCandidate, countDigits(s) >= 6},
		{"euro sign", reMoneySplit, strings.Contains(s, "€")},
		{"prefix currency", reMoneyPrefix, containsAny(b, prefixCurrencies)},
		{"suffix currency", reMoneySuffix, containsAny(b, suffixCurrencies)},
		{"greeting lead", reGreetingsStart, hasAnyPrefix(b[firstAlnum(b):], greetingsStartWords)},
		{"thanks lead", reThanksStart, bytes.HasPrefix(b[firstAlnum(b):], []byte("ta"))},
		{"digit and street type", reStreetEN, strings.ContainsAny(s, "0123456789") && containsAnyString(s, streetTypesENList)},
		{"street type", reNamedStreetEN, containsAnyString(s, namedStreetTypesENList)},
		{"five digits", rePostcodeFR, longestDigitRun(s) >= 5},
		{"five digits", rePostcodeUS, longestDigitRun(s) >= 5},
		{"capital and digit", rePostcodeUK, hasCapitalDigit(s)},
	}
	for _, n := range necessary {
		if !n.ok && n.re.Match(b) {
			t.Fatalf("%v matches %q without its %s", n.re, s, n.name)
		}
	}
}

// TestShortcuts checks the cheap tests that stand in for regexps on the equivalence corpus.
func TestShortcuts(t *testing.T) {
	// reBye must stay the pattern it was before it was split for reByeWords.
	const bye = `\b(?:bye+|bye[\s-]?bye|goodbye|good\s+bye|see\s+(?:you|ya|u)|cya|c\s+ya|talk\s+(?:to\s+you\s+)?(?:soon|later)|ttyl|take\s+care|have\s+a\s+(?:nice|good|great|lovely|wonderful)\s+(?:day|evening|night|weekend|week|one|afternoon)|good\s*night|nighty\s+night|au\s+revoir|aurevoir|a\s+(?:tres\s+)?bientot|a\s+plus|a\s+tout\s+(?:a\s+l'heure|de\s+suite)|a\s+toute|a\s+demain|a\s+la\s+prochaine|a\s+(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)|bonne\s+(?:journee|soiree|nuit|fin\s+de\s+(?:journee|soiree|semaine)|semaine|continuation|apres-midi)|bon\s+(?:week[\s-]?end|apres[\s-]midi|aprem|dimanche|samedi)|catch\s+(?:you|ya|u)\s+later|laters|a\s+la\s+revoyure|ciao|tchao|bisous|bises|xoxo)\b|(?:^|[\s(])(?:a|@)\+(?:$|[\s!.)])`
	if reBye.String() != bye {
		t.Fatalf("reBye changed:\n%s", reBye)
	}
	// So must the patterns whose alternatives are also looked for as strings.
	const streetEN = `\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][A-Za-z'’\-]*\.?\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|Square|Sq|Terrace|Close|Crescent|Parkway|Pkwy|Highway|Hwy|Row|Mews|Gardens|Grove)\b\.?(?:\s+(?:NW|NE|SW|SE)\b)?`
	const namedStreetEN = `\b(?:[A-Z][a-z'’]+\s+){1,2}(?:Street|Road|Avenue|Lane|Square|Boulevard)\b`
	if reStreetEN.String() != streetEN || reNamedStreetEN.String() != namedStreetEN {
		t.Fatalf("reStreetEN or reNamedStreetEN changed:\n%s\n%s", reStreetEN, reNamedStreetEN)
	}
	random := 1500
	if testing.Short() {
		random = 300
	}
	extra := []string{"a  b", " \t\n\r\f x", "x\f", "[at]", "(at}", "{at)", " at x dot y", " at \n dot ", " at  dot ",
		"x at y dot ", "a+", "@+", "(a+)", "euro", "ok.co", ".c", "\x1a", "123456", "12345", "ta", "  ta!", "morning!"}
	for _, s := range append(fastRECorpus(t, random), extra...) {
		checkShortcuts(t, s)
	}
}

// FuzzShortcuts is TestShortcuts on arbitrary text.
func FuzzShortcuts(f *testing.F) {
	for _, s := range typicalMessages {
		f.Add(s)
	}
	f.Fuzz(checkShortcuts)
}

// TestDedupeSmall checks dedupe's path without a map against the map it stands in for.
func TestDedupeSmall(t *testing.T) {
	reference := func(in []Entity) []Entity {
		if len(in) == 0 {
			return nil
		}
		seen := map[string]int{}
		var out []Entity
		for _, e := range in {
			k := e.Name + "\x00" + strings.ToLower(e.Value)
			if i, ok := seen[k]; ok {
				out[i].Confidence = max(out[i].Confidence, e.Confidence)
				continue
			}
			seen[k] = len(out)
			out = append(out, e)
		}
		return out
	}
	values := []string{"a", "A", "Σ", "σ", "ς", "K", "k", "\u212a", "İ", "i", "true", "Paris", "PARIS", ""}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		in := make([]Entity, rng.IntN(10))
		for i := range in {
			in[i] = Entity{Name: entityNames[rng.IntN(3)], Value: values[rng.IntN(len(values))],
				Confidence: float64(rng.IntN(4)) / 4, Source: SourceRelance}
		}
		if got, want := dedupe(in), reference(in); !reflect.DeepEqual(got, want) {
			t.Fatalf("dedupe(%v) = %v, want %v", in, got, want)
		}
	}
}

// TestFastREDoc checks the doc methods, which try only the word starts they keep for d.work and d.orig, against
// the regexps, before and after masking.
func TestFastREDoc(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	corpus := fastRECorpus(t, 300)
	// The texts as written, not folded or masked: newDoc folds them, and the rounds below mask them.
	texts := append(goldenTexts(t), corpus[len(corpus)-300:]...)
	for _, s := range texts {
		d := newDoc(s)
		for round := range 3 {
			for _, r := range fastREs {
				if got, want := d.submatches(r), r.re.FindAllSubmatchIndex(d.work, -1); !reflect.DeepEqual(got, want) {
					t.Fatalf("%s\nsubmatches(%q) round %d = %v, want %v", r, d.work, round, got, want)
				}
				if got, want := d.matches(r), r.re.FindAllIndex(d.work, -1); !reflect.DeepEqual(got, want) {
					t.Fatalf("%s\nmatches(%q) round %d = %v, want %v", r, d.work, round, got, want)
				}
				if got, want := d.origMatches(r), r.re.FindAllStringIndex(d.orig, -1); !reflect.DeepEqual(got, want) {
					t.Fatalf("%s\norigMatches(%q) = %v, want %v", r, d.orig, got, want)
				}
			}
			if len(d.work) > 0 {
				i := rng.IntN(len(d.work))
				d.mask(i, i+1+rng.IntN(8))
			}
		}
		d.release()
	}
}
