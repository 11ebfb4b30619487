package tenancy

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkText validates a free-text field (a name) and returns it trimmed. Control characters are refused:
// PostgreSQL rejects NUL in text, and none of them belongs in a name shown on screen or in a CSV export.
func checkText(fe fieldErrors, field, raw string, max int, required bool) string {
	s := strings.TrimSpace(raw)
	switch {
	case s == "" && required:
		fe.add(field, "is required")
	case !utf8.ValidString(s):
		fe.add(field, "must be valid UTF-8 text")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		fe.add(field, "must not contain control characters")
	case utf8.RuneCountInString(s) > max:
		fe.add(field, fmt.Sprintf("must be at most %d characters", max))
	}
	return s
}
