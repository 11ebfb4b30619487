package policy

import (
	"strings"
	"testing"
)

// TestIsCountry: the list holds the 249 assigned codes, sorted and unique; every country of the time zone
// table is one; lower case, three letters and reserved codes are not.
func TestIsCountry(t *testing.T) {
	codes := strings.Fields(isoCountries)
	if len(codes) != 249 || len(isoCountries) != 3*249 {
		t.Fatalf("%d codes in %d bytes, want 249 in %d", len(codes), len(isoCountries), 3*249)
	}
	for i, c := range codes {
		if i > 0 && codes[i-1] >= c {
			t.Errorf("%s after %s: not sorted or repeated", c, codes[i-1])
		}
		if !IsCountry(c) {
			t.Errorf("IsCountry(%q) = false", c)
		}
	}
	for country := range zoneCountries {
		if !IsCountry(country) {
			t.Errorf("the zone table's country %q is not in the list", country)
		}
	}
	for _, bad := range []string{"", "fr", "FRA", "XK", "EU", "UK", "EL", "D ", " A", "E A", "ZZ", "AA"} {
		if IsCountry(bad) {
			t.Errorf("IsCountry(%q) = true", bad)
		}
	}
}
