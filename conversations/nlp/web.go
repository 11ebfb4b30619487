package nlp

import (
	"regexp"
	"strings"
)

var (
	reEmail = regexp.MustCompile(`[a-z0-9_%+\-](?:[a-z0-9._%+\-]*[a-z0-9_%+\-])?@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,24}\b`)

	reURLScheme = regexp.MustCompile(`\b(?:https?|ftp)://[^\s<>"\x1a]+`)
	reURLWWW    = regexp.MustCompile(`\bwww\d{0,3}\.[a-z0-9\-]+(?:\.[a-z0-9\-]+)+(?::\d{2,5})?(?:[/?#][^\s<>"\x1a]*)?`)
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
	for _, m := range findAll(d, reEmail, 0) {
		local := d.f[m[0] : strings.IndexByte(d.f[m[0]:m[1]], '@')+m[0]]
		if strings.Contains(local, "..") || strings.HasPrefix(local, ".") {
			continue
		}
		out = append(out, span{name: Email, start: m[0], end: m[1], conf: ConfidenceRule})
	}
	return out
}

// findURLs finds web addresses with a scheme, starting with "www." or, for well-known top-level domains, bare
// ("example.fr/menu"). Version numbers ("1.2.3"), prices ("1.50") and abbreviations ("e.g.") have no
// letters-only TLD of two letters or more from the lists and are never taken.
func findURLs(d *doc) []span {
	var out []span
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
	for _, m := range findAll(d, reURLWWW, 0) {
		if m[0] > 0 && (d.work[m[0]-1] == '.' || d.work[m[0]-1] == '/' || d.work[m[0]-1] == '@') {
			continue
		}
		add(m[0], m[1], ConfidenceRule)
	}
	for _, m := range reURLBare.FindAllSubmatchIndex(d.work, -1) {
		start, end := m[0], m[1]
		tld := string(d.work[m[2]:m[3]])
		hasPath := m[5] > m[4] && len(strings.Trim(string(d.work[m[4]:m[5]]), "/?#.,;:!)")) > 0
		if !bareTLDs[tld] && !(bareTLDsWithPath[tld] && hasPath) {
			continue
		}
		if start > 0 && strings.IndexByte("@./-_:", d.work[start-1]) >= 0 {
			continue
		}
		if end < len(d.work) && d.work[end] == '@' {
			continue
		}
		host := string(d.work[start:m[2]])
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
