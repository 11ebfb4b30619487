package web

import (
	"fmt"
	"html"
	"html/template"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"relance/meta"
)

// How screens show numbers, money and times.
//
// Decisions:
//   - The screens' words stay English; the locale only chooses how numbers and money are written ("1,234.50"
//     or "1 234,50"), because a figure read the wrong way round is worse than an English label. The locale is
//     the relance_locale cookie (set by the selector in the footer), else the best match of the browser's
//     Accept-Language among the supported ones, else English.
//   - Times are shown in a brand's zone, with the zone's abbreviation, on every screen about a brand (and per
//     row, in each row's brand zone, on agency-wide lists). Agency-level times that belong to no brand (the
//     audit log, users, API tokens, Meta apps) are shown in the viewer's own zone: app.js stores the browser's
//     IANA zone in the relance_tz cookie; until it is known (the first page after login) they are in UTC.
//     Every shown time is a <time> whose datetime attribute and title give the instant in UTC.
//   - Money is formatted from int64 minor units with the currency's ISO digits, never through a float; the
//     currency symbol is CLDR's for the locale (golang.org/x/text/currency), placed and spaced by hand because
//     x/text always writes "symbol amount".

const (
	localeCookie = "relance_locale"
	zoneCookie   = "relance_tz"
)

// numberFormat is how one locale writes numbers and money.
type numberFormat struct {
	tag     language.Tag
	group   string // thousands separator
	decimal string
	// symbolAfter writes "1 234,50 €" rather than "€1,234.50".
	symbolAfter bool
	label       string // the locale's name in the selector
}

// locales are the supported locales by code; "en" is the default.
var locales = map[string]numberFormat{
	"en": {tag: language.English, group: ",", decimal: ".", label: "English (1,234.50)"},
	// CLDR (and browsers' Intl) group French thousands with a narrow no-break space.
	"fr": {tag: language.French, group: "\u202f", decimal: ",", symbolAfter: true, label: "Français (1 234,50)"},
}

// localeCodes lists the supported locales in the selector's order.
var localeCodes = []string{"en", "fr"}

var localeMatcher = language.NewMatcher([]language.Tag{language.English, language.French})

// localeFor returns a locale code for code, or "en" for an unsupported one.
func localeFor(code string) numberFormat {
	if f, ok := locales[code]; ok {
		return f
	}
	return locales["en"]
}

// requestLocale picks the locale of a request: the user's choice (cookie), else the browser's
// Accept-Language, else English.
func requestLocale(c *fiber.Ctx) string {
	if v := c.Cookies(localeCookie); v != "" {
		if _, ok := locales[v]; ok {
			return v
		}
	}
	if al := c.Get(fiber.HeaderAcceptLanguage); al != "" {
		tags, _, err := language.ParseAcceptLanguage(al)
		if err == nil && len(tags) > 0 {
			_, i, conf := localeMatcher.Match(tags...)
			if conf != language.No {
				return localeCodes[i]
			}
		}
	}
	return "en"
}

// requestZone is the viewer's IANA zone, which app.js keeps in a cookie, or UTC.
func requestZone(c *fiber.Ctx) string {
	if v := c.Cookies(zoneCookie); v != "" {
		if _, ok := loadZone(v); ok {
			return v
		}
	}
	return "UTC"
}

// formatNumber writes an integer of any Go integer kind with the locale's thousands separator.
func formatNumber(n any, locale string) string {
	var v int64
	switch x := n.(type) {
	case int:
		v = int64(x)
	case int32:
		v = int64(x)
	case int64:
		v = x
	case uint:
		return groupDigits(strconv.FormatUint(uint64(x), 10), localeFor(locale).group)
	case uint32:
		v = int64(x)
	case uint64:
		return groupDigits(strconv.FormatUint(x, 10), localeFor(locale).group)
	case *int64:
		if x == nil {
			return "—"
		}
		v = *x
	default:
		return fmt.Sprint(n)
	}
	s := strconv.FormatInt(v, 10)
	if neg := strings.HasPrefix(s, "-"); neg {
		return "-" + groupDigits(s[1:], localeFor(locale).group)
	}
	return groupDigits(s, localeFor(locale).group)
}

// groupDigits inserts sep every three digits from the right of a run of digits.
func groupDigits(digits, sep string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	first := len(digits) % 3
	if first > 0 {
		b.WriteString(digits[:first])
	}
	for i := first; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// formatMoney writes minor units of an ISO 4217 currency for a locale: "€1,234.50" or "1 234,50 €",
// "¥2,000" (no minor unit), "CHF 12.00" (a symbol made of letters keeps a space). An unknown currency is
// written as its decimal amount and code.
func formatMoney(minor int64, cur, locale string) string {
	f := localeFor(locale)
	cur = strings.ToUpper(strings.TrimSpace(cur))
	digits := meta.ISOMinorDigits(cur)
	if digits < 0 {
		return meta.FormatDecimal(meta.Money{Minor: minor, Currency: cur}) + " " + cur
	}
	dec := meta.FormatDecimal(meta.Money{Minor: minor, Currency: cur}) // "-1234.50"
	neg := strings.HasPrefix(dec, "-")
	dec = strings.TrimPrefix(dec, "-")
	whole, frac, _ := strings.Cut(dec, ".")
	amount := groupDigits(whole, f.group)
	if frac != "" {
		amount += f.decimal + frac
	}
	sym := cur
	if u, err := currency.ParseISO(cur); err == nil {
		sym = message.NewPrinter(f.tag).Sprint(currency.Symbol(u))
	}
	sign := ""
	if neg {
		sign = "-"
	}
	switch {
	case f.symbolAfter:
		return sign + amount + "\u00a0" + sym
	case isLetters(sym):
		return sign + sym + "\u00a0" + amount
	}
	return sign + sym + amount
}

// isLetters reports whether a currency symbol ends in a letter ("CHF", "CFA"), which needs a space before
// the amount.
func isLetters(sym string) bool {
	if sym == "" {
		return true
	}
	last := sym[len(sym)-1]
	return (last >= 'A' && last <= 'Z') || (last >= 'a' && last <= 'z')
}

// instant reads the time a template passes (a time.Time or a *time.Time); nilPtr says it was a nil pointer.
func instant(t any) (v time.Time, nilPtr bool) {
	switch x := t.(type) {
	case time.Time:
		return x, false
	case *time.Time:
		if x == nil {
			return time.Time{}, true
		}
		return *x, false
	}
	return time.Time{}, false
}

// zones caches loaded zones by name: a table of times would otherwise read the zone file once per cell.
// Only names that load are kept, so the cache is bounded by the IANA database.
var zones sync.Map

// zone loads an IANA zone, UTC when it is empty, "Local" (the host's, which varies) or unknown.
func zone(tz string) *time.Location {
	if loc, ok := loadZone(tz); ok {
		return loc
	}
	return time.UTC
}

// loadZone loads a zone a brand or a browser may name, through the cache.
func loadZone(tz string) (*time.Location, bool) {
	if tz == "" || tz == "Local" || len(tz) > 64 {
		return nil, false
	}
	if loc, ok := zones.Load(tz); ok {
		return loc.(*time.Location), true
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, false
	}
	zones.Store(tz, loc)
	return loc, true
}

// timeElement wraps text in a <time> whose datetime and title give the instant in UTC (and the title the
// zone's full date and time too, for short or relative texts). A nil pointer is "never", a zero time "—".
// class, when set, marks the element for app.js ("ago": a relative time it keeps current).
func timeElement(t any, tz, class string, text func(v time.Time, loc *time.Location) string, full bool) template.HTML {
	v, nilPtr := instant(t)
	if nilPtr {
		return "never"
	}
	if v.IsZero() {
		return "—"
	}
	loc := zone(tz)
	utc := v.UTC().Format("2006-01-02 15:04 UTC")
	title := utc
	if !full {
		title = v.In(loc).Format("2006-01-02 15:04 MST") + " · " + utc
	}
	attrs := ""
	if class != "" {
		attrs = ` class="` + html.EscapeString(class) + `"`
	}
	return template.HTML(`<time` + attrs + ` datetime="` + v.UTC().Format(time.RFC3339) + `" title="` + html.EscapeString(title) + `">` +
		html.EscapeString(text(v, loc)) + `</time>`)
}

// when shows a time in a zone with its abbreviation ("2026-03-29 14:30 CEST"), UTC on hover.
func when(t any, tz string) template.HTML {
	return timeElement(t, tz, "", func(v time.Time, loc *time.Location) string {
		return v.In(loc).Format("2006-01-02 15:04 MST")
	}, true)
}

// whenShort shows a time compactly for dense tables ("29 Mar 14:30 CEST"; the date alone with its year
// when it is not this year's), the full time and UTC on hover.
func whenShort(t any, tz string) template.HTML {
	return timeElement(t, tz, "", func(v time.Time, loc *time.Location) string {
		return shortIn(v, loc, time.Now())
	}, false)
}

// shortIn is whenShort's text for v seen at now.
func shortIn(v time.Time, loc *time.Location, now time.Time) string {
	l := v.In(loc)
	if l.Year() != now.In(loc).Year() {
		return l.Format("2 Jan 2006")
	}
	return l.Format("2 Jan 15:04 MST")
}

// ago shows how long ago (or how soon) a time is ("3 h ago", "in 2 days"), the full time in the zone and
// UTC on hover.
func ago(t any, tz string) template.HTML {
	return timeElement(t, tz, "ago", func(v time.Time, loc *time.Location) string {
		return relative(v, time.Now(), loc)
	}, false)
}

// relative says how far v is from now in rounded-down units; past a month it gives the date instead.
func relative(v, now time.Time, loc *time.Location) string {
	d := now.Sub(v)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%d h", int(d.Hours()))
	case d < 31*24*time.Hour:
		s = fmt.Sprintf("%d days", int(d.Hours()/24))
	default:
		return shortIn(v, loc, now)
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// zoneAbbr is the abbreviation of a zone now ("CET"), for column headers of times shown without it.
func zoneAbbr(tz string) string {
	return time.Now().In(zone(tz)).Format("MST")
}
