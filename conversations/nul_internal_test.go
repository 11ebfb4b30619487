package conversations

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestWithoutNULDropsOnlyNULs: removing \u0000 escapes from JSON text is the same as decoding and then
// dropping NUL characters; an escaped backslash before "u0000" is text, not a NUL, and stays.
func TestWithoutNULDropsOnlyNULs(t *testing.T) {
	for _, in := range []string{`"a\u0000b"`, `"\\u0000"`, `"\\\u0000"`, `"\\\\u0000x"`, `"\u00000"`, `"\u0000\u0000"`,
		`"é\u0000\n\"\u0000"`, `"no escape"`, `"\u1000\u00001"`, `"\\"`} {
		var want, got string
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		out := withoutNUL([]byte(in))
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%s → %s: %v", in, out, err)
		}
		if got != strings.ReplaceAll(want, "\x00", "") {
			t.Errorf("%s → %q, want %q", in, got, strings.ReplaceAll(want, "\x00", ""))
		}
	}
}

// BenchmarkFoldText is the cost text_fold adds to every stored message.
func BenchmarkFoldText(b *testing.B) {
	for _, text := range []string{"how much is the spring menu?", "Bonjour, c'est combien le menu du jour à 25 € ? Merci !"} {
		b.Run(text[:8], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				foldColumn(text)
			}
		})
	}
}
