package fx

import (
	"errors"
	"os"
	"strings"
	"testing"

	"relance/meta"
)

func ecbTable(t *testing.T, extra ...Rate) *Table {
	t.Helper()
	f, err := os.Open("testdata/eurofxref-hist.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rates []Rate
	if _, err := ParseECB(f, func(r Rate) error { rates = append(rates, r); return nil }); err != nil {
		t.Fatal(err)
	}
	tb, err := NewTable(append(rates, extra...))
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestParseECB(t *testing.T) {
	f, _ := os.Open("testdata/eurofxref-hist.csv")
	defer f.Close()
	var got []Rate
	sum, err := ParseECB(f, func(r Rate) error { got = append(got, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Days != 3 || sum.Rates != 18 || sum.From != "2024-11-27" || sum.To != "2024-11-29" {
		t.Errorf("summary = %+v", sum)
	}
	// CYP and TRL are withdrawn but still codes: their columns are read, and their "N/A" days skipped.
	if strings.Join(sum.Currencies, ",") != "BGN,CYP,CZK,GBP,ISK,JPY,TRL,USD" {
		t.Errorf("currencies = %v", sum.Currencies)
	}
	// XAU (gold) has no minor unit in ISO 4217: relance holds no money in it and skips the column.
	if strings.Join(sum.Skipped, ",") != "XAU" {
		t.Errorf("skipped = %v", sum.Skipped)
	}
	if got[0] != (Rate{Day: "2024-11-29", Base: "EUR", Quote: "USD", Rate: "1.0565", Source: SourceECB}) {
		t.Errorf("first rate = %+v", got[0])
	}
	if got[5].Quote != "ISK" || got[5].Rate != "145.1" {
		t.Errorf("trailing zeros kept: %+v", got[5])
	}
}

func TestParseECBDailyFileAndErrors(t *testing.T) {
	daily := "Date, USD, JPY, \n29 November 2024, 1.0565, 158.93, \n"
	var got []Rate
	sum, err := ParseECB(strings.NewReader(daily), func(r Rate) error { got = append(got, r); return nil })
	if err != nil || sum.Rates != 2 || got[1].Day != "2024-11-29" || got[1].Quote != "JPY" {
		t.Fatalf("daily file: %+v %v %v", sum, got, err)
	}
	for name, body := range map[string]string{
		"not the ECB file":    "day,USD\n2024-11-29,1\n",
		"a decimal comma":     "Date,USD,\n2024-11-29,\"1,0565\",\n",
		"a negative rate":     "Date,USD,\n2024-11-29,-1.05,\n",
		"a bad date":          "Date,USD,\n29/11/2024,1.05,\n",
		"no currency columns": "Date,XAU,\n2024-11-29,2400.5,\n",
	} {
		if _, err := ParseECB(strings.NewReader(body), func(Rate) error { return nil }); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	_, err = ParseECB(strings.NewReader("Date,USD,\n2024-11-29,1.05,\n2024-11-28,x,\n"), func(Rate) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "line 3, USD") {
		t.Errorf("the error must name the line and the column: %v", err)
	}
}

func TestConvert(t *testing.T) {
	manual := []Rate{
		{Day: "2024-11-25", Base: "USD", Quote: "VND", Rate: "25345", Source: SourceManual},
		{Day: "2024-11-28", Base: "EUR", Quote: "GBP", Rate: "0.9", Source: SourceManual}, // the agency's own wins
	}
	tb := ecbTable(t, manual...)
	cases := []struct {
		name     string
		in       meta.Money
		to, day  string
		want     int64
		wantCode string
		missing  bool
	}{
		{"same currency", meta.Money{Minor: 1234, Currency: "EUR"}, "EUR", "2024-11-29", 1234, "EUR", false},
		{"direct", meta.Money{Minor: 10000, Currency: "EUR"}, "USD", "2024-11-29", 10565, "USD", false},
		// 100.00 USD / 1.0565 = 94.6521533...
		{"inverse", meta.Money{Minor: 10000, Currency: "USD"}, "EUR", "2024-11-29", 9465, "EUR", false},
		// A Saturday has no ECB rate: Friday's is used.
		{"weekend uses friday", meta.Money{Minor: 10000, Currency: "EUR"}, "USD", "2024-11-30", 10565, "USD", false},
		{"beyond the lookback", meta.Money{Minor: 10000, Currency: "EUR"}, "USD", "2024-12-07", 0, "", true},
		{"before any rate", meta.Money{Minor: 10000, Currency: "EUR"}, "USD", "2024-11-26", 0, "", true},
		// 1,000.00 USD → JPY crossed through EUR: 1000 / 1.0565 * 158.93 = 150430.667... yen
		{"cross through EUR", meta.Money{Minor: 100000, Currency: "USD"}, "JPY", "2024-11-29", 150431, "JPY", false},
		// JPY has no minor unit: 1,000 yen → EUR = 1000 / 158.93 = 6.29207... EUR
		{"zero-digit source", meta.Money{Minor: 1000, Currency: "JPY"}, "EUR", "2024-11-29", 629, "EUR", false},
		// A manual USD→VND rate crossed with the ECB's EUR→USD: 10.00 EUR * 1.0565 * 25345 = 267,769.925 → 267,770
		{"manual leg through USD", meta.Money{Minor: 1000, Currency: "EUR"}, "VND", "2024-11-29", 267770, "VND", false},
		{"manual overrides ECB on its day", meta.Money{Minor: 10000, Currency: "EUR"}, "GBP", "2024-11-28", 9000, "GBP", false},
		{"ECB on other days", meta.Money{Minor: 10000, Currency: "EUR"}, "GBP", "2024-11-29", 8321, "GBP", false},
		{"negative rounds away from zero", meta.Money{Minor: -10000, Currency: "USD"}, "EUR", "2024-11-29", -9465, "EUR", false},
		{"unknown pair", meta.Money{Minor: 100, Currency: "EUR"}, "COP", "2024-11-29", 0, "", true},
	}
	for _, c := range cases {
		got, err := tb.Convert(c.in, c.to, c.day)
		if c.missing {
			if !errors.Is(err, ErrMissingRate) {
				t.Errorf("%s: err = %v, want ErrMissingRate", c.name, err)
			}
			continue
		}
		if err != nil || got.Minor != c.want || got.Currency != c.wantCode {
			t.Errorf("%s: got %+v %v, want %d %s", c.name, got, err, c.want, c.wantCode)
		}
	}
}

func TestRoundHalfAwayFromZero(t *testing.T) {
	// 0.125 EUR at a rate of 1 to a 2-digit currency is exactly half a cent: it rounds to 13, and -13.
	tb, err := NewTable([]Rate{{Day: "2024-01-02", Base: "BHD", Quote: "EUR", Rate: "1", Source: SourceManual}})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[int64]int64{125: 13, -125: -13, 124: 12, 5: 1, -5: -1, 4: 0} {
		got, err := tb.Convert(meta.Money{Minor: in, Currency: "BHD"}, "EUR", "2024-01-02")
		if err != nil || got.Minor != want {
			t.Errorf("%d fils → %v %v, want %d cents", in, got, err, want)
		}
	}
}

func TestFindSaysWhereTheRateCameFrom(t *testing.T) {
	tb := ecbTable(t, Rate{Day: "2024-11-25", Base: "USD", Quote: "VND", Rate: "25345", Source: SourceManual})
	f, err := tb.Find("EUR", "VND", "2024-11-30")
	if err != nil || f.Via != "USD" || f.Day != "2024-11-25" || !f.Manual {
		t.Errorf("found %+v %v", f, err)
	}
	f, err = tb.Find("EUR", "USD", "2024-11-30")
	if err != nil || f.Via != "" || f.Day != "2024-11-29" || f.Manual || f.Rate.FloatString(4) != "1.0565" {
		t.Errorf("found %+v %v", f, err)
	}
}
