package web

import (
	"io/fs"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var (
	cssRule  = regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`)
	cssColor = regexp.MustCompile(`(?:^|;)\s*color:\s*(#[0-9a-fA-F]{6})\b`)
	cssBack  = regexp.MustCompile(`(?:^|;)\s*background(?:-color)?:\s*(#[0-9a-fA-F]{6})\b`)
	cssVar   = regexp.MustCompile(`(--pico-[a-z-]+):\s*(#[0-9a-fA-F]{6})`)
)

// luminance is WCAG 2's relative luminance of a #rrggbb colour.
func luminance(hex string) float64 {
	var ch [3]float64
	for i := range ch {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			ch[i] = c / 12.92
		} else {
			ch[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*ch[0] + 0.7152*ch[1] + 0.0722*ch[2]
}

// contrast is WCAG 2's contrast ratio of two colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func TestContrastRatio(t *testing.T) {
	if r := contrast("#000000", "#ffffff"); math.Abs(r-21) > 0.01 {
		t.Errorf("black on white = %.2f, want 21", r)
	}
	if r := contrast("#777777", "#ffffff"); r >= 4.5 {
		t.Errorf("#777 on white = %.2f, which WCAG rates below 4.5", r)
	}
}

// TestStylesheetContrast: every rule of app.css that sets both a text colour and a background meets WCAG AA
// (4.5:1), and so do the buttons and links drawn with the Pico colours app.css overrides (primary and
// secondary buttons are white text; links and link-like buttons are primary text on white).
func TestStylesheetContrast(t *testing.T) {
	b, err := fs.ReadFile(assets, "static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	css := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(b), "")
	checked := 0
	for _, m := range cssRule.FindAllStringSubmatch(css, -1) {
		sel, body := strings.TrimSpace(m[1]), m[2]
		fg, bg := cssColor.FindStringSubmatch(body), cssBack.FindStringSubmatch(body)
		if fg == nil || bg == nil {
			continue
		}
		checked++
		if r := contrast(fg[1], bg[1]); r < 4.5 {
			t.Errorf("%s: %s on %s has contrast %.2f, want at least 4.5", sel, fg[1], bg[1], r)
		}
	}
	if checked < 10 {
		t.Errorf("only %d rules set both colours: the parser no longer reads app.css", checked)
	}
	// Pico's light theme, as vendored, with app.css's overrides on top.
	pico := map[string]string{"--pico-primary": "#0172ad", "--pico-primary-background": "#0172ad",
		"--pico-primary-hover-background": "#017fc0", "--pico-primary-hover": "#015887",
		"--pico-secondary-background": "#525f7a", "--pico-secondary-hover-background": "#48536b", "--pico-muted-color": "#646b79"}
	for _, m := range cssVar.FindAllStringSubmatch(css, -1) {
		pico[m[1]] = m[2]
	}
	for _, p := range []struct{ what, fg, bg string }{
		{"primary button", "#ffffff", pico["--pico-primary-background"]},
		{"primary button, hovered", "#ffffff", pico["--pico-primary-hover-background"]},
		{"secondary button", "#ffffff", pico["--pico-secondary-background"]},
		{"secondary button, hovered", "#ffffff", pico["--pico-secondary-hover-background"]},
		{"link", pico["--pico-primary"], "#ffffff"},
		{"link, hovered", pico["--pico-primary-hover"], "#ffffff"},
		{"muted text", pico["--pico-muted-color"], "#ffffff"},
	} {
		if r := contrast(p.fg, p.bg); r < 4.5 {
			t.Errorf("%s: %s on %s has contrast %.2f, want at least 4.5", p.what, p.fg, p.bg, r)
		}
	}
}
