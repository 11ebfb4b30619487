package policy

import (
	"sort"
	"strings"
)

// Restricted reports whether a recipient in country (ISO 3166 alpha-2, any case) may not get Marketing
// Messages: the European Union, the United Kingdom, Japan, South Korea and Australia (meta-platform §3).
func Restricted(country string) bool {
	_, ok := restricted[normalizeCountry(country)]
	return ok
}

// restricted holds the territory that legally belongs to a restricted region, including the parts that
// have codes of their own. Not in it, on purpose: NO, IS and LI (EEA, not EU), CH, the microstates (AD, MC,
// SM, VA), the Crown Dependencies and Gibraltar (JE, GG, IM, GI: not the UK), and the EU's overseas
// countries and territories (BL, PM, PF, NC, WF, TF, AW, CW, SX, BQ), Greenland and the Faroes.
var restricted = map[string]struct{}{
	// The 27 member states of the EU.
	"AT": {}, "BE": {}, "BG": {}, "HR": {}, "CY": {}, "CZ": {}, "DK": {}, "EE": {}, "FI": {}, "FR": {}, "DE": {},
	"GR": {}, "HU": {}, "IE": {}, "IT": {}, "LV": {}, "LT": {}, "LU": {}, "MT": {}, "NL": {}, "PL": {}, "PT": {},
	"RO": {}, "SK": {}, "SI": {}, "ES": {}, "SE": {},
	// EU territory with codes of its own: Åland (FI) and the outermost regions French Guiana, Guadeloupe,
	// Martinique, Réunion, Mayotte and Saint-Martin (TFEU art. 349).
	"AX": {}, "GF": {}, "GP": {}, "MQ": {}, "RE": {}, "YT": {}, "MF": {},
	// Codes the EU uses, or ISO reserves, for restricted territory: Greece, the UK, the Canary Islands,
	// Ceuta and Melilla. Counted so that a source using them cannot slip past.
	"EL": {}, "UK": {}, "IC": {}, "EA": {},
	"GB": {}, "JP": {}, "KR": {},
	// Australia and its external territories: Christmas Island, Cocos Islands, Norfolk Island, Heard and
	// McDonald Islands.
	"AU": {}, "CX": {}, "CC": {}, "NF": {}, "HM": {},
}

// CountryOfZone returns the ISO 3166 alpha-2 country of an IANA time zone name (any case), or "" when the
// zone is unknown or names no single country (UTC, Etc/GMT+1, CET).
func CountryOfZone(tz string) string { return countryByZone[strings.ToLower(strings.TrimSpace(tz))] }

// countryByZone is zoneCountries turned around, keyed by lower-case zone name.
var countryByZone = func() map[string]string {
	m := make(map[string]string, 600)
	for country, zones := range zoneCountries {
		for _, z := range zones {
			m[strings.ToLower(z)] = country
		}
	}
	return m
}()

// normalizeCountry upper-cases a country code and trims it.
func normalizeCountry(country string) string { return strings.ToUpper(strings.TrimSpace(country)) }

// MarketingZones lists, lower-cased, every time zone whose country may receive Marketing Messages: the SQL
// form of "derive the country from the opt-in time zone, then check it is not restricted".
func MarketingZones() []string {
	var out []string
	for zone, country := range countryByZone {
		if !Restricted(country) {
			out = append(out, zone)
		}
	}
	sort.Strings(out)
	return out
}
