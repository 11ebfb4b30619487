package nlp

import (
	"bytes"
	"regexp"
	"strings"
)

var (
	reEmail = regexp.MustCompile(`[a-z0-9_%+\-](?:[a-z0-9._%+\-]*[a-z0-9_%+\-])?@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,24}\b`)

	// reEmailSpelled is an address spelled out to dodge spam bots: "paul [at] example [dot] com",
	// "paul point durand arobase gmail point com". Groups: local part, separator, domain.
	reEmailSpelled = regexp.MustCompile(`\b([a-z0-9][a-z0-9._\-]*(?:\s+(?:point|dot)\s+[a-z0-9_\-]+)*)\s*(\[at\]|\(at\)|\{at\}|\s+arobase\s+|\s+at\s+)\s*([a-z0-9\-]+(?:\s*(?:\[dot\]|\(dot\)|\{dot\}|\s+dot\s+|\s+point\s+|\.)\s*[a-z0-9\-]+)+)\b`)
	// reEmailSpelledHint is a cheap test run before reEmailSpelled; emailSpelledHint is the same test without
	// the regexp.
	reEmailSpelledHint = regexp.MustCompile(`[\[({]at[\])}]|arobase| at .* dot `)
	reSpelledDot       = regexp.MustCompile(`\s*(?:\[dot\]|\(dot\)|\{dot\}|\s+dot\s+|\s+point\s+|\.)\s*`)

	// reURLKnownHost is a link shortener or link-in-bio host whose TLD is not in the lists below.
	reURLKnownHost = mustFastRE(`\b(?:(?:linktr\.ee|youtu\.be|forms\.gle|lnkd\.in|amzn\.to|amzn\.eu|goo\.gl|pin\.it)(?:/[^\s<>"\x1a]*)?|(?:wa|m|t|fb|ig)\.me/[^\s<>"\x1a]+|t\.co/[^\s<>"\x1a]+)`)

	reURLScheme = mustFastRE(`\b(?:https?|ftp)://[^\s<>"\x1a]+`)
	reURLWWW    = mustFastRE(`\bwww\d{0,3}\.[a-z0-9\-]+(?:\.[a-z0-9\-]+)+(?::\d{2,5})?(?:[/?#][^\s<>"\x1a]*)?`)
	// reURLBare finds "example.fr/path"; group 1 is the top-level domain and group 2 the path, checked in code
	// against bareTLDs.
	reURLBare = regexp.MustCompile(`\b[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.([a-z]{2,12})\b((?:[/?#][^\s<>"\x1a]*)?)`)
)

// bareTLDs are the top-level domains accepted without "http://" or "www.": common ones in relance's markets.
// Letter pairs that are also words ("be", "de", "it", "me", "ca" from "ça"…) are only accepted with a path,
// because "c'est bon.ça marche" must not become a URL; single letters never are, which rules out "e.g.".
var (
	bareTLDs = setOf("com", "fr", "org", "net", "io", "eu", "info", "shop", "store", "app", "dev", "biz", "online",
		"site", "uk", "ch", "nl", "lu", "xyz", "tech", "ai", "gg", "ly", "ie", "pt", "gov", "edu", "design",
		"agency", "studio", "paris", "bzh", "quebec", "cloud", "club", "blog", "fm", "gl", "tv", "mx", "br",
		"nz", "jp", "cn", "ru", "pl", "dk", "cz", "gr", "ro", "hu", "tn", "sn", "dz")
	bareTLDsWithPath = setOf("be", "de", "it", "me", "co", "es", "us", "ca", "re", "ci", "in", "at", "to", "is",
		"la", "no", "so", "do", "am", "my", "on", "by", "cc", "ws", "au", "se", "ma", "fi", "link", "page", "live",
		"news", "pro")
)

// findEmails finds e-mail addresses; the value is the address as written.
func findEmails(d *doc) []span {
	var out []span
	// Every address has an "@": most messages need not run reEmail.
	if bytes.IndexByte(d.work, '@') >= 0 {
		for _, m := range findAll(d, reEmail, 0) {
			local := d.f[m[0] : strings.IndexByte(d.f[m[0]:m[1]], '@')+m[0]]
			if strings.Contains(local, "..") || strings.HasPrefix(local, ".") {
				continue
			}
			out = append(out, span{name: Email, start: m[0], end: m[1], conf: ConfidenceRule})
			d.mask(m[0], m[1])
		}
	}
	if !emailSpelledHint(d.f) {
		return out
	}
	for _, m := range reEmailSpelled.FindAllSubmatchIndex(d.work, -1) {
		sep := strings.TrimSpace(string(d.work[m[4]:m[5]]))
		domain := reSpelledDot.ReplaceAllString(string(d.work[m[6]:m[7]]), ".")
		labels := strings.Split(domain, ".")
		tld := labels[len(labels)-1]
		if !bareTLDs[tld] && !bareTLDsWithPath[tld] {
			continue
		}
		// Plain " at " is an everyday English word: demand that the dots be spelled out too.
		if sep == "at" && !strings.Contains(string(d.work[m[6]:m[7]]), "dot") {
			continue
		}
		local := reSpelledDot.ReplaceAllString(string(d.work[m[2]:m[3]]), ".")
		out = append(out, span{name: Email, start: m[0], end: m[1], value: local + "@" + domain, conf: ConfidenceFuzzy})
		d.mask(m[0], m[1])
	}
	return out
}

// findURLs finds web addresses with a scheme, starting with "www." or, for well-known top-level domains, bare
// ("example.fr/menu"). Version numbers ("1.2.3"), prices ("1.50") and abbreviations ("e.g.") have no
// letters-only TLD of two letters or more from the lists and are never taken.
func findURLs(d *doc) []span {
	var out []span
	if bytes.IndexByte(d.work, '.') < 0 && bytes.IndexByte(d.work, '/') < 0 {
		// Every pattern below needs a dot or, for a scheme, a slash.
		return nil
	}
	add := func(start, end int, conf float64) {
		end = trimURL(d.f, start, end)
		if end <= start || d.masked(start, end) {
			return
		}
		out = append(out, span{name: URL, start: start, end: end, conf: conf})
		d.mask(start, end)
	}
	for _, m := range findAll(d, reURLScheme, 0) {
		add(m[0], m[1], ConfidenceRule)
	}
	for _, m := range findAll(d, reURLKnownHost, 0) {
		if m[0] > 0 && strings.IndexByte("@./-_", d.work[m[0]-1]) >= 0 {
			continue
		}
		add(m[0], m[1], ConfidenceRule)
	}
	for _, m := range findAll(d, reURLWWW, 0) {
		if m[0] > 0 && (d.work[m[0]-1] == '.' || d.work[m[0]-1] == '/' || d.work[m[0]-1] == '@') {
			continue
		}
		add(m[0], m[1], ConfidenceRule)
	}
	if !hasDotLetters(d.work) {
		return out // reURLBare needs a dot and two letters
	}
	for _, m := range reURLBare.FindAllSubmatchIndex(d.work, -1) {
		start, end := m[0], m[1]
		tld := string(d.work[m[2]:m[3]])
		hasPath := m[5] > m[4] && len(strings.Trim(string(d.work[m[4]:m[5]]), "/?#.,;:!)")) > 0
		host := string(d.work[start:m[2]])
		// A TLD that is also a word is accepted with a path ("example.de/shop") or a subdomain
		// ("shop.mybrand.co"), never alone ("bon.ça").
		if !bareTLDs[tld] && !(bareTLDsWithPath[tld] && (hasPath || strings.Count(host, ".") >= 2)) {
			continue
		}
		if start > 0 && strings.IndexByte("@./-_:", d.work[start-1]) >= 0 {
			continue
		}
		if end < len(d.work) && d.work[end] == '@' {
			continue
		}
		if !strings.ContainsAny(host, "abcdefghijklmnopqrstuvwxyz") || len(strings.Trim(host, ".")) < 2 {
			continue
		}
		// The folded text turns "ça" into "ca" and "é" into "e": a domain must have been typed in ASCII.
		if !isASCII(d.origSpan(start, m[3])) {
			continue
		}
		add(start, end, ConfidenceLikely)
	}
	return out
}

// trimURL drops the sentence punctuation a URL is usually followed by, keeping a closing parenthesis that
// belongs to the URL (Wikipedia style).
func trimURL(s string, start, end int) int {
	for end > start {
		c := s[end-1]
		switch {
		case strings.IndexByte(".,;:!?'\"]}*", c) >= 0:
			end--
		case c == ')' && strings.Count(s[start:end], "(") < strings.Count(s[start:end], ")"):
			end--
		default:
			return end
		}
	}
	return end
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// emailSpelledHint reports whether reEmailSpelledHint matches s: "[at]" with any of "[({" and "])}" around
// "at", "arobase", or " at " followed on the same line by " dot ".
func emailSpelledHint(s string) bool {
	if strings.Contains(s, "arobase") {
		return true
	}
	for i := 1; i+2 < len(s); i++ {
		if s[i] == 'a' && s[i+1] == 't' && strings.IndexByte("[({", s[i-1]) >= 0 && strings.IndexByte("])}", s[i+2]) >= 0 {
			return true
		}
	}
	for line := range strings.SplitSeq(s, "\n") {
		if i := strings.Index(line, " at "); i >= 0 && strings.Contains(line[i+4:], " dot ") {
			return true
		}
	}
	return false
}

// hasDotLetters reports whether s has a dot followed by two ASCII lower-case letters, as every match of
// reURLBare has.
func hasDotLetters(s []byte) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '.' && 'a' <= s[i+1] && s[i+1] <= 'z' && 'a' <= s[i+2] && s[i+2] <= 'z' {
			return true
		}
	}
	return false
}
