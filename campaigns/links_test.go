package campaigns

import (
	"strings"
	"testing"
)

// TestMessengerURL checks the m.me link as text: the ref's + / = : are query-escaped, so the link means the
// same to every QR reader and browser without anyone decoding it first.
func TestMessengerURL(t *testing.T) {
	for _, c := range []struct{ page, ref, want string }{
		{"104000000000001", "spring-menu", "https://m.me/104000000000001?ref=spring-menu"},
		{"104000000000001", "spring-menu.instagram-bio", "https://m.me/104000000000001?ref=spring-menu.instagram-bio"},
		{"104000000000001", "a+b/c=d:e_f", "https://m.me/104000000000001?ref=a%2Bb%2Fc%3Dd%3Ae_f"},
	} {
		if got := MessengerURL(c.page, c.ref); got != c.want {
			t.Errorf("MessengerURL(%q, %q) = %q, want %q", c.page, c.ref, got, c.want)
		}
	}
}

// TestSlugAndLabels checks how a label becomes a ref part and which labels are refused, naming "label".
func TestSlugAndLabels(t *testing.T) {
	for in, want := range map[string]string{"instagram bio": "instagram-bio", " Flyer #2 ": "flyer-2", "Café crème": "caf-cr-me", "!!!": ""} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
	c := Campaign{ID: "0190-id", Ref: "spring"}
	if BaseRef(c) != "spring" || BaseRef(Campaign{ID: "0190-id"}) != "0190-id" {
		t.Error("a campaign's own ref is its ref, or its id when it has none")
	}
	taken := []linkRow{{Label: "Flyer", Slug: "flyer"}}
	long := Campaign{ID: "x", Ref: strings.Repeat("r", 245)}
	for _, bad := range []struct {
		c     Campaign
		label string
		want  string
	}{
		{c, "", "is required"},
		{c, strings.Repeat("a", maxLabel+1), "at most 60"},
		{c, "!!!", "letter or digit"},
		{c, "FLYER", "already used"},
		{c, "bad\x00label", "control"},
		{long, "instagram", "too long for the campaign's ref"},
	} {
		_, err := checkLabel(bad.c, bad.label, taken)
		if err == nil || !strings.Contains(err.Error(), "label") || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("label %q: %v, want a label error saying %q", bad.label, err, bad.want)
		}
	}
	if slug, err := checkLabel(c, "Instagram bio", taken); err != nil || linkRef(c, slug) != "spring.instagram-bio" || !ValidRef(linkRef(c, slug)) {
		t.Errorf("a good label: %q %v", slug, err)
	}
}
