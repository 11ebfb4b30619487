package policy

import (
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // every zone name of the table must load, whatever the machine has installed
)

func TestRestricted(t *testing.T) {
	for country, want := range map[string]bool{
		"FR": true, "fr": true, " de ": true, "IE": true, "CY": true, "EL": true, "RE": true, "AX": true,
		"GB": true, "UK": true, "JP": true, "KR": true, "AU": true, "CX": true,
		"US": false, "CH": false, "NO": false, "IS": false, "LI": false, "JE": false, "GI": false, "MC": false,
		"TR": false, "RU": false, "UA": false, "BL": false, "GL": false, "NZ": false, "KP": false, "": false,
		"EU": false,
	} {
		if got := Restricted(country); got != want {
			t.Errorf("Restricted(%q) = %v, want %v", country, got, want)
		}
	}
}

func TestCountryOfZone(t *testing.T) {
	for tz, want := range map[string]string{
		"Europe/Paris": "FR", "europe/paris": "FR", " Europe/Paris ": "FR",
		"Europe/London": "GB", "Europe/Belfast": "GB", "GB": "GB", "Europe/Dublin": "IE",
		"Atlantic/Canary": "ES", "Africa/Ceuta": "ES", "Atlantic/Madeira": "PT", "Atlantic/Azores": "PT",
		"Europe/Moscow": "RU", "Europe/Istanbul": "TR", "Asia/Istanbul": "TR", "Europe/Kiev": "UA",
		"Europe/Kyiv": "UA", "Europe/Minsk": "BY", "Europe/Belgrade": "RS", "Europe/Zurich": "CH",
		"Europe/Busingen": "DE", "Europe/Oslo": "NO", "Atlantic/Jan_Mayen": "SJ", "Iceland": "IS",
		"Europe/Mariehamn": "AX", "Europe/Nicosia": "CY", "Asia/Famagusta": "CY", "Indian/Reunion": "RE",
		"Asia/Tokyo": "JP", "Japan": "JP", "Asia/Seoul": "KR", "ROK": "KR",
		"Australia/Sydney": "AU", "Australia/ACT": "AU", "Antarctica/Macquarie": "AU",
		"America/New_York": "US", "US/Eastern": "US", "Asia/Calcutta": "IN", "America/Sao_Paulo": "BR",
		"UTC": "", "Etc/GMT+1": "", "CET": "", "": "", "Mars/Olympus_Mons": "",
	} {
		if got := CountryOfZone(tz); got != want {
			t.Errorf("CountryOfZone(%q) = %q, want %q", tz, got, want)
		}
	}
}

// TestEuropeOutsideRestricted pins the European zones where Marketing Messages are allowed, so that no zone
// silently moves in or out of the EU and UK.
func TestEuropeOutsideRestricted(t *testing.T) {
	want := []string{
		"Europe/Andorra", "Europe/Astrakhan", "Europe/Belgrade", "Europe/Chisinau", "Europe/Gibraltar",
		"Europe/Guernsey", "Europe/Isle_of_Man", "Europe/Istanbul", "Europe/Jersey", "Europe/Kaliningrad",
		"Europe/Kiev", "Europe/Kirov", "Europe/Kyiv", "Europe/Minsk", "Europe/Monaco", "Europe/Moscow",
		"Europe/Oslo", "Europe/Podgorica", "Europe/Samara", "Europe/San_Marino", "Europe/Sarajevo",
		"Europe/Saratov", "Europe/Simferopol", "Europe/Skopje", "Europe/Tirane", "Europe/Tiraspol",
		"Europe/Ulyanovsk", "Europe/Uzhgorod", "Europe/Vaduz", "Europe/Vatican", "Europe/Volgograd",
		"Europe/Zaporozhye", "Europe/Zurich",
	}
	var got []string
	for _, zones := range zoneCountries {
		for _, z := range zones {
			if strings.HasPrefix(z, "Europe/") && !Restricted(CountryOfZone(z)) {
				got = append(got, z)
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("European zones outside the restricted regions:\n got %v\nwant %v", got, want)
	}
}

func TestZoneTable(t *testing.T) {
	seen := map[string]string{}
	for country, zones := range zoneCountries {
		if len(country) != 2 || country != strings.ToUpper(country) {
			t.Errorf("country %q is not an upper-case alpha-2 code", country)
		}
		for _, z := range zones {
			if other, dup := seen[z]; dup {
				t.Errorf("zone %s listed under %s and %s", z, other, country)
			}
			seen[z] = country
			if _, err := time.LoadLocation(z); err != nil {
				t.Errorf("zone %s (%s): %v", z, country, err)
			}
		}
	}
}
