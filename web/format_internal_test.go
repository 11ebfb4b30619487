package web

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

func TestFormatMoney(t *testing.T) {
	const nnbsp, nbsp = "\u202f", "\u00a0"
	for _, c := range []struct {
		minor  int64
		cur    string
		locale string
		want   string
	}{
		{123450, "EUR", "en", "€1,234.50"},
		{123450, "EUR", "fr", "1" + nnbsp + "234,50" + nbsp + "€"},
		{-5, "EUR", "en", "-€0.05"},
		{-123456789, "EUR", "fr", "-1" + nnbsp + "234" + nnbsp + "567,89" + nbsp + "€"},
		{2000, "JPY", "en", "¥2,000"},
		{2000, "usd", "en", "$20.00"},
		{2000, "USD", "fr", "20,00" + nbsp + "$US"},
		{1200, "CHF", "en", "CHF" + nbsp + "12.00"},
		{1234, "BHD", "en", "BHD" + nbsp + "1.234"},
		{0, "EUR", "en", "€0.00"},
		{99, "EUR", "de", "€0.99"}, // unsupported locales fall back to English
		{150, "XXZ", "fr", "150 XXZ"},
		{-9223372036854775808, "JPY", "en", "-¥9,223,372,036,854,775,808"},
	} {
		if got := formatMoney(c.minor, c.cur, c.locale); got != c.want {
			t.Errorf("formatMoney(%d, %s, %s) = %q, want %q", c.minor, c.cur, c.locale, got, c.want)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	const nnbsp = "\u202f"
	for _, c := range []struct {
		n      any
		locale string
		want   string
	}{
		{0, "en", "0"}, {999, "en", "999"}, {1000, "en", "1,000"}, {-1234567, "en", "-1,234,567"},
		{int64(1234567), "fr", "1" + nnbsp + "234" + nnbsp + "567"}, {uint64(12345), "en", "12,345"},
		{int32(-999), "fr", "-999"}, {100000, "en", "100,000"}, {"n/a", "en", "n/a"},
	} {
		if got := formatNumber(c.n, c.locale); got != c.want {
			t.Errorf("formatNumber(%v, %s) = %q, want %q", c.n, c.locale, got, c.want)
		}
	}
}

func TestRelative(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{-20 * time.Second, "just now"}, {20 * time.Second, "just now"},
		{-3*time.Hour - 59*time.Minute, "3 h ago"}, {-59 * time.Minute, "59 min ago"},
		{2*24*time.Hour + time.Hour, "in 2 days"}, {90 * time.Minute, "in 1 h"},
		{-47 * time.Hour, "47 h ago"}, {-30 * 24 * time.Hour, "30 days ago"},
		// Past a month: the date, in the zone (CET before the change, 11:00 UTC = 12:00 CET).
		{-40*24*time.Hour - time.Hour, "17 Feb 12:00 CET"},
		{-400 * 24 * time.Hour, "22 Feb 2025"},
	} {
		if got := relative(now.Add(c.d), now, paris); got != c.want {
			t.Errorf("relative(now%+v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestTimeElements(t *testing.T) {
	v := time.Date(2026, 7, 14, 20, 30, 0, 0, time.UTC)
	got := string(when(v, "Europe/Paris"))
	want := `<time datetime="2026-07-14T20:30:00Z" title="2026-07-14 20:30 UTC">2026-07-14 22:30 CEST</time>`
	if got != want {
		t.Errorf("when = %s, want %s", got, want)
	}
	// A brand in New York: the same instant is the afternoon there.
	if got := string(when(&v, "America/New_York")); !strings.Contains(got, ">2026-07-14 16:30 EDT<") {
		t.Errorf("when in New York = %s", got)
	}
	// An unknown or empty zone is UTC, never the server's local zone.
	if got := string(when(v, "")); !strings.Contains(got, ">2026-07-14 20:30 UTC<") {
		t.Errorf("when without a zone = %s", got)
	}
	if got := string(whenShort(v, "Asia/Tokyo")); !strings.Contains(got, `title="2026-07-15 05:30 JST · 2026-07-14 20:30 UTC"`) {
		t.Errorf("whenShort's title = %s", got)
	}
	if got := string(ago(time.Now().Add(-3*time.Hour-time.Minute), "UTC")); !strings.Contains(got, ">3 h ago</time>") || !strings.HasPrefix(got, `<time class="ago" datetime=`) {
		t.Errorf("ago = %s", got)
	}
	var never *time.Time
	if got := when(never, "UTC"); got != "never" {
		t.Errorf("when(nil) = %s", got)
	}
	if got := ago(time.Time{}, "UTC"); got != "—" {
		t.Errorf("ago(zero) = %s", got)
	}
}

func TestRequestLocaleAndZone(t *testing.T) {
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString(requestLocale(c) + " " + requestZone(c)) })
	for _, c := range []struct {
		acceptLanguage, cookie, want string
	}{
		{"", "", "en UTC"},
		{"fr-FR,fr;q=0.9,en;q=0.8", "", "fr UTC"},
		{"fr-CA", "", "fr UTC"},
		{"de-DE,de;q=0.9,en;q=0.5", "", "en UTC"},
		{"en-GB,en;q=0.9,fr;q=0.8", "", "en UTC"},
		{"ja", "", "en UTC"},
		{"not a header;;", "", "en UTC"},
		{"fr-FR", "relance_locale=en; relance_tz=Europe/Paris", "en Europe/Paris"},
		{"en-US", "relance_locale=fr; relance_tz=America/New_York", "fr America/New_York"},
		{"fr", "relance_locale=xx; relance_tz=Local", "fr UTC"},
		{"", "relance_tz=../../etc/passwd", "en UTC"},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		if c.acceptLanguage != "" {
			req.Header.Set("Accept-Language", c.acceptLanguage)
		}
		if c.cookie != "" {
			req.Header.Set("Cookie", c.cookie)
		}
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(body); got != c.want {
			t.Errorf("Accept-Language %q, cookie %q: %q, want %q", c.acceptLanguage, c.cookie, got, c.want)
		}
	}
}
