package campaigns

import (
	"errors"
	"testing"
)

func TestParseAmount(t *testing.T) {
	for _, c := range []struct {
		in, cur string
		want    int64
		ok      bool
	}{
		{"25.00", "EUR", 2500, true},
		{"25", "EUR", 2500, true},
		{"25.5", "USD", 2550, true},
		{"0.07", "USD", 7, true},
		{"25.001", "EUR", 0, false},
		{"25.000", "EUR", 2500, true}, // trailing zeros beyond the exponent are exact
		{"1500", "JPY", 1500, true},
		{"1500.5", "JPY", 0, false},
		{"1.234", "KWD", 1234, true},
		{"25000.50", "COP", 0, false}, // ISO 4217 gives COP cents, Meta bills whole pesos
		{"25000", "COP", 2500000, true},
		{"-5", "EUR", 0, false},
		{"+5", "EUR", 0, false},
		{"1e3", "EUR", 0, false},
		{" 5", "EUR", 0, false},
		{"5.", "EUR", 0, false},
		{".5", "EUR", 0, false},
		{"", "EUR", 0, false},
		{"1,50", "EUR", 0, false},
		{"92233720368547758.07", "EUR", 0, false},
		{"92233720368547759", "EUR", 0, false},
		{"0", "EUR", 0, true},
		{"00012.30", "EUR", 1230, true},
	} {
		got, err := ParseAmount(c.in, c.cur)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d ok=%v", c.in, c.cur, got, err, c.want, c.ok)
		}
		if err != nil && !errors.Is(err, ErrAmount) {
			t.Errorf("ParseAmount(%q) error %v is not ErrAmount", c.in, err)
		}
	}
}

func TestFormatAmountRoundTrips(t *testing.T) {
	for _, c := range []struct {
		minor int64
		cur   string
		want  string
	}{{2500, "EUR", "25.00"}, {7, "USD", "0.07"}, {1500, "JPY", "1500"}, {1234, "KWD", "1.234"}, {0, "EUR", "0.00"}} {
		if got := FormatAmount(c.minor, c.cur); got != c.want {
			t.Errorf("FormatAmount(%d, %s) = %q, want %q", c.minor, c.cur, got, c.want)
		}
		if back, err := ParseAmount(c.want, c.cur); err != nil || back != c.minor {
			t.Errorf("round trip %q: %d %v", c.want, back, err)
		}
	}
	if got, err := MetaAmount(2500000, "COP"); err != nil || got != 25000 {
		t.Errorf("MetaAmount COP = %d, want whole pesos 25000", got)
	}
	if got, err := MetaAmount(2500, "EUR"); err != nil || got != 2500 {
		t.Errorf("MetaAmount EUR = %d", got)
	}
}

func TestValidRef(t *testing.T) {
	for s, want := range map[string]bool{
		"spring-menu": true, "utm_source=fb:a/b+c.d": true, "": false, "has space": false, "é": false,
		"a&b": false, "a?b": false, string(make([]byte, 251)): false,
	} {
		if got := ValidRef(s); got != want {
			t.Errorf("ValidRef(%q) = %v, want %v", s, got, want)
		}
	}
}
