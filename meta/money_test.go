package meta

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestISOMinorDigits(t *testing.T) {
	// Pinned: changing a currency's scale would reinterpret every stored amount in it.
	tests := map[string]int{
		"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3,
		"TND": 3, "IQD": 3, "LYD": 3, "HUF": 2, "IDR": 2, "COP": 2, "CRC": 2, "TWD": 2, "PKR": 2,
		"RSD": 2, "CLP": 0, "ISK": 0, "PYG": 0, "VND": 0, "UGX": 0, "XOF": 0, "CLF": 4, "UYW": 4,
		"VES": 2, "MRU": 2, "SLE": 2, "ZWG": 2, "XCG": 2, "HRK": 2, "VEF": 2,
		"usd": 2, "Jpy": 0,
		// Not a currency relance holds money in.
		"": -1, "US": -1, "USDX": -1, "ZZZ": -1, "12A": -1, "FBZ": -1, "XAU": -1, "XXX": -1, "XTS": -1, "XDR": -1,
	}
	for cur, want := range tests {
		if got := ISOMinorDigits(cur); got != want {
			t.Errorf("ISOMinorDigits(%q) = %d, want %d", cur, got, want)
		}
	}
}

func TestMetaOffset(t *testing.T) {
	tests := map[string]int64{
		"USD": 100, "EUR": 100, "BHD": 100, "JOD": 100, "VES": 100, "PKR": 100,
		"CLP": 1, "COP": 1, "CRC": 1, "HUF": 1, "ISK": 1, "IDR": 1, "JPY": 1, "KRW": 1, "PYG": 1, "TWD": 1, "VND": 1,
		"jpy": 1,
		"KWD": 0, "OMR": 0, "TND": 0, "IQD": 0, "FBZ": 0, "": 0, "ZZZ": 0,
	}
	for cur, want := range tests {
		if got := MetaOffset(cur); got != want {
			t.Errorf("MetaOffset(%q) = %d, want %d", cur, got, want)
		}
	}
}

// Every currency Meta supports must be a valid ISO code with at least as many stored digits as Meta's offset,
// so that converting Meta's figures into Money never rounds.
func TestMetaCurrenciesFitISO(t *testing.T) {
	if len(metaOffsets) < 60 {
		t.Fatalf("Meta's currency table has %d entries, expected the full list", len(metaOffsets))
	}
	for cur, off := range metaOffsets {
		iso := ISOMinorDigits(cur)
		if iso < 0 {
			t.Errorf("%s: Meta currency unknown to ISOMinorDigits", cur)
			continue
		}
		md, err := metaDigits(cur)
		if err != nil || (off != 1 && off != 100) {
			t.Errorf("%s: offset %d, err %v", cur, off, err)
			continue
		}
		if iso < md {
			t.Errorf("%s: %d ISO digits < Meta's %d: Meta amounts could not be stored exactly", cur, iso, md)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in, cur string
		minor   int64
		code    string
	}{
		{"38.87", "USD", 3887, "USD"},
		{"1234", "USD", 123400, "USD"},
		{"0.5", "USD", 50, "USD"},
		{"0", "USD", 0, "USD"},
		{"0.00", "EUR", 0, "EUR"},
		{"12.30", "EUR", 1230, "EUR"},
		{"007.05", "EUR", 705, "EUR"},
		{"  38.87\n", "usd", 3887, "USD"},
		{"-3.10", "EUR", -310, "EUR"},
		{"-0.00", "EUR", 0, "EUR"},
		{"2000", "JPY", 2000, "JPY"},
		{"2000.0", "JPY", 2000, "JPY"},
		{"150000", "KRW", 150000, "KRW"},
		{"1.234", "BHD", 1234, "BHD"},
		{"1.5", "BHD", 1500, "BHD"},
		{"1500", "HUF", 150000, "HUF"},
		{"1500.5", "HUF", 150050, "HUF"},
		{"15000", "IDR", 1500000, "IDR"},
		// More decimals than the currency has: half away from zero, on the digits.
		{"12.345", "USD", 1235, "USD"},
		{"12.344999999", "USD", 1234, "USD"},
		{"12.3449999999999999999999999", "USD", 1234, "USD"},
		{"12.3350", "USD", 1234, "USD"},
		{"12.3000000000000000000000001", "USD", 1230, "USD"},
		{"-12.345", "USD", -1235, "USD"},
		{"-0.004", "USD", 0, "USD"},
		{"-0.005", "USD", -1, "USD"},
		{"0.995", "USD", 100, "USD"},
		{"99.5", "JPY", 100, "JPY"},
		{"99.49", "JPY", 99, "JPY"},
		{"1.2345", "BHD", 1235, "BHD"},
		// Limits of int64.
		{"92233720368547758.07", "USD", math.MaxInt64, "USD"},
		{"-92233720368547758.08", "USD", math.MinInt64, "USD"},
		{"9223372036854775807", "JPY", math.MaxInt64, "JPY"},
		{"000000000000000000000000000001.00", "USD", 100, "USD"},
	}
	for _, tt := range tests {
		got, err := ParseDecimal(tt.in, tt.cur)
		if err != nil {
			t.Errorf("ParseDecimal(%q, %s): %v", tt.in, tt.cur, err)
			continue
		}
		if got != (Money{Minor: tt.minor, Currency: tt.code}) {
			t.Errorf("ParseDecimal(%q, %s) = %+v, want %d %s", tt.in, tt.cur, got, tt.minor, tt.code)
		}
	}
}

func TestParseDecimalErrors(t *testing.T) {
	tests := []struct {
		in, cur string
		want    error
		msg     string // part of the message
	}{
		{"", "USD", ErrDecimal, "empty"},
		{"   ", "USD", ErrDecimal, "empty"},
		{"1,234.56", "USD", ErrDecimal, "separator"},
		{"1234,56", "EUR", ErrDecimal, "separator"},
		{"1 234", "EUR", ErrDecimal, "separator"},
		{"1_000", "USD", ErrDecimal, "separator"},
		{"1e3", "USD", ErrDecimal, "exponent"},
		{"1.5E2", "USD", ErrDecimal, "exponent"},
		{"+5", "USD", ErrDecimal, "+5"},
		{"--5", "USD", ErrDecimal, ""},
		{"-", "USD", ErrDecimal, ""},
		{".5", "USD", ErrDecimal, ""},
		{"5.", "USD", ErrDecimal, ""},
		{"1.2.3", "USD", ErrDecimal, ""},
		{"NaN", "USD", ErrDecimal, ""},
		{"Inf", "USD", ErrDecimal, ""},
		{"12.5€", "EUR", ErrDecimal, ""},
		{"١٢", "USD", ErrDecimal, ""}, // Arabic-Indic digits
		{"0x10", "USD", ErrDecimal, ""},
		{"92233720368547758.08", "USD", ErrOverflow, "int64"},
		{"-92233720368547758.09", "USD", ErrOverflow, "int64"},
		{"92233720368547758.075", "USD", ErrOverflow, "int64"}, // rounding up overflows
		{"99999999999999999999", "JPY", ErrOverflow, ""},
		{"1.00", "", ErrCurrency, "empty"},
		{"1.00", "ZZZ", ErrCurrency, "ISO 4217"},
		{"1.00", "US", ErrCurrency, "ISO 4217"},
		{"1.00", "XAU", ErrCurrency, "no minor unit"},
	}
	for _, tt := range tests {
		got, err := ParseDecimal(tt.in, tt.cur)
		if !errors.Is(err, tt.want) {
			t.Errorf("ParseDecimal(%q, %q) = %+v, %v; want %v", tt.in, tt.cur, got, err, tt.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), "meta: ") || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParseDecimal(%q, %q) error %q, want it to mention %q", tt.in, tt.cur, err, tt.msg)
		}
	}
}

func TestFormatDecimal(t *testing.T) {
	tests := []struct {
		m    Money
		want string
	}{
		{Money{3887, "USD"}, "38.87"},
		{Money{5, "USD"}, "0.05"},
		{Money{-5, "USD"}, "-0.05"},
		{Money{0, "EUR"}, "0.00"},
		{Money{123400, "EUR"}, "1234.00"},
		{Money{2000, "JPY"}, "2000"},
		{Money{-2000, "KRW"}, "-2000"},
		{Money{1234, "BHD"}, "1.234"},
		{Money{7, "BHD"}, "0.007"},
		{Money{150000, "HUF"}, "1500.00"},
		{Money{1500000, "IDR"}, "15000.00"},
		{Money{12345, "CLF"}, "1.2345"},
		{Money{math.MaxInt64, "USD"}, "92233720368547758.07"},
		{Money{math.MinInt64, "USD"}, "-92233720368547758.08"},
		{Money{150, "usd"}, "1.50"},
		{Money{150, "ZZZ"}, "150"},
	}
	for _, tt := range tests {
		if got := FormatDecimal(tt.m); got != tt.want {
			t.Errorf("FormatDecimal(%+v) = %q, want %q", tt.m, got, tt.want)
		}
	}
	if s := (Money{3887, "USD"}).String(); s != "38.87 USD" {
		t.Errorf("String() = %q", s)
	}
}

func TestDecimalRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	curs := []string{"USD", "EUR", "JPY", "KRW", "BHD", "HUF", "IDR", "CLF", "VND"}
	values := []int64{0, 1, -1, 9, 10, 99, 100, 101, 999, 1000, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1}
	for range 2000 {
		values = append(values, r.Int64(), -r.Int64N(1_000_000_000), r.Int64N(100_000))
	}
	for _, cur := range curs {
		for _, v := range values {
			m := Money{Minor: v, Currency: cur}
			back, err := ParseDecimal(FormatDecimal(m), cur)
			if err != nil || back != m {
				t.Fatalf("round trip %+v → %q → %+v, %v", m, FormatDecimal(m), back, err)
			}
		}
	}
}

func TestToMetaBudget(t *testing.T) {
	tests := []struct {
		m    Money
		want int64
	}{
		{Money{2000, "USD"}, 2000},   // USD 20.00
		{Money{1, "USD"}, 1},         // USD 0.01
		{Money{2500, "EUR"}, 2500},   // EUR 25.00
		{Money{2000, "JPY"}, 2000},   // JPY 2000, offset 1
		{Money{50000, "KRW"}, 50000}, // KRW 50000, offset 1
		{Money{150000, "HUF"}, 1500}, // HUF 1500.00: 2 ISO digits, offset 1
		{Money{1500000, "IDR"}, 15000},
		{Money{100000, "TWD"}, 1000},
		{Money{20000, "BHD"}, 2000}, // BHD 20.000: 3 ISO digits, offset 100
		{Money{20010, "BHD"}, 2001}, // BHD 20.010
		{Money{0, "USD"}, 0},
		{Money{2000, "usd"}, 2000},
		{Money{math.MaxInt64, "USD"}, math.MaxInt64},
	}
	for _, tt := range tests {
		got, err := ToMetaBudget(tt.m)
		if err != nil || got != tt.want {
			t.Errorf("ToMetaBudget(%+v) = %d, %v; want %d", tt.m, got, err, tt.want)
		}
	}
}

func TestToMetaBudgetErrors(t *testing.T) {
	tests := []struct {
		m    Money
		want error
	}{
		{Money{150050, "HUF"}, ErrPrecision}, // HUF 1500.50: Meta's unit is 1 forint
		{Money{1500001, "IDR"}, ErrPrecision},
		{Money{20005, "BHD"}, ErrPrecision}, // BHD 20.005: Meta's unit is 0.01
		{Money{1000, "KWD"}, ErrCurrency},   // Meta ad accounts do not support KWD
		{Money{1000, "OMR"}, ErrCurrency},
		{Money{1000, "ZZZ"}, ErrCurrency},
		{Money{1000, ""}, ErrCurrency},
		{Money{-100, "USD"}, ErrOverflow},
	}
	for _, tt := range tests {
		got, err := ToMetaBudget(tt.m)
		if !errors.Is(err, tt.want) {
			t.Errorf("ToMetaBudget(%+v) = %d, %v; want %v", tt.m, got, err, tt.want)
		} else if !strings.HasPrefix(err.Error(), "meta: ") {
			t.Errorf("error %q lacks the meta: prefix", err)
		}
	}
}

func TestFromMetaBudget(t *testing.T) {
	tests := []struct {
		v    int64
		cur  string
		want Money
	}{
		{2000, "USD", Money{2000, "USD"}},
		{2000, "JPY", Money{2000, "JPY"}},
		{1500, "HUF", Money{150000, "HUF"}},
		{15000, "IDR", Money{1500000, "IDR"}},
		{2000, "BHD", Money{20000, "BHD"}},
		{-250, "eur", Money{-250, "EUR"}},
		{math.MaxInt64, "USD", Money{math.MaxInt64, "USD"}},
	}
	for _, tt := range tests {
		got, err := FromMetaBudget(tt.v, tt.cur)
		if err != nil || got != tt.want {
			t.Errorf("FromMetaBudget(%d, %s) = %+v, %v; want %+v", tt.v, tt.cur, got, err, tt.want)
		}
	}
	errTests := []struct {
		v    int64
		cur  string
		want error
	}{
		{math.MaxInt64, "HUF", ErrOverflow},
		{math.MinInt64, "BHD", ErrOverflow},
		{1000, "KWD", ErrCurrency},
		{1000, "nope", ErrCurrency},
	}
	for _, tt := range errTests {
		if _, err := FromMetaBudget(tt.v, tt.cur); !errors.Is(err, tt.want) {
			t.Errorf("FromMetaBudget(%d, %s) error %v, want %v", tt.v, tt.cur, err, tt.want)
		}
	}
}

// Meta budget → Money → Meta budget is the identity for every currency Meta supports.
func TestMetaBudgetRoundTrip(t *testing.T) {
	for cur := range metaOffsets {
		for _, v := range []int64{0, 1, 99, 100, 2000, 123456789, 9_000_000_000_000} {
			m, err := FromMetaBudget(v, cur)
			if err != nil {
				t.Fatalf("FromMetaBudget(%d, %s): %v", v, cur, err)
			}
			back, err := ToMetaBudget(m)
			if err != nil || back != v {
				t.Fatalf("%s: %d → %+v → %d, %v", cur, v, m, back, err)
			}
		}
	}
}

// The Insights path end to end: a spend string in the account currency becomes Money, then Meta's unit.
func TestInsightsSpendToMetaUnit(t *testing.T) {
	tests := []struct {
		spend, cur string
		meta       int64
	}{
		{"38.87", "USD", 3887},
		{"9.19", "USD", 919},
		{"1500", "HUF", 1500},
		{"2000", "JPY", 2000},
		{"12.35", "BHD", 1235},
	}
	for _, tt := range tests {
		m, err := ParseDecimal(tt.spend, tt.cur)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ToMetaBudget(m)
		if err != nil || got != tt.meta {
			t.Errorf("%s %s → %d, %v; want %d", tt.spend, tt.cur, got, err, tt.meta)
		}
	}
}
