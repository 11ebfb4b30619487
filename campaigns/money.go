package campaigns

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrAmount means a decimal amount is not one the currency can hold.
var ErrAmount = errors.New("campaigns: invalid amount")

// exponents are ISO 4217 minor-unit exponents that are not 2 (the common case). x/text/currency follows CLDR
// instead, which drops the minor unit of COP, IDR and others that ISO 4217 keeps.
var exponents = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
	"UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

// metaWhole are the currencies Meta bills without a minor unit ("offset 1", reference §3), some of which
// ISO 4217 gives two decimals: a budget in them must be a whole number or Meta refuses it.
var metaWhole = map[string]bool{
	"CLP": true, "COP": true, "CRC": true, "HUF": true, "ISK": true, "IDR": true, "JPY": true, "KRW": true,
	"PYG": true, "TWD": true, "VND": true,
}

// Exponent is the ISO 4217 minor-unit exponent of a currency (2 for USD: 1 USD = 100 minor units).
func Exponent(currency string) int {
	if e, ok := exponents[currency]; ok {
		return e
	}
	return 2
}

// ParseAmount reads a non-negative decimal string ("25.00", "25", "1500") exactly into minor units of the
// currency. More decimals than the currency has, signs, exponents and spaces are refused; nothing goes
// through a float.
func ParseAmount(s, currency string) (int64, error) {
	exp := Exponent(currency)
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || !digits(whole) || (hasDot && (frac == "" || !digits(frac))) {
		return 0, fmt.Errorf("%w: %q is not a decimal number such as 25.00", ErrAmount, s)
	}
	if len(frac) > exp {
		if strings.TrimRight(frac[exp:], "0") != "" {
			return 0, fmt.Errorf("%w: %s has %d decimal places", ErrAmount, currency, exp)
		}
		frac = frac[:exp]
	}
	if metaWhole[currency] && strings.TrimRight(frac, "0") != "" {
		return 0, fmt.Errorf("%w: Meta takes %s budgets in whole units", ErrAmount, currency)
	}
	frac += strings.Repeat("0", exp-len(frac))
	var w int64
	if whole = strings.TrimLeft(whole, "0"); whole != "" {
		var err error
		if w, err = strconv.ParseInt(whole, 10, 64); err != nil {
			return 0, fmt.Errorf("%w: %q is too large", ErrAmount, s)
		}
	}
	scale := int64(math.Pow10(exp))
	if w > (math.MaxInt64/scale)-1 {
		return 0, fmt.Errorf("%w: %q is too large", ErrAmount, s)
	}
	var f int64
	if frac != "" {
		f, _ = strconv.ParseInt(frac, 10, 64)
	}
	return w*scale + f, nil
}

// FormatAmount writes minor units of the currency as a decimal string with the currency's decimals.
func FormatAmount(minor int64, currency string) string {
	exp := Exponent(currency)
	neg := minor < 0
	if neg {
		minor = -minor
	}
	s := strconv.FormatInt(minor, 10)
	if exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// MetaAmount converts minor units (ISO 4217) into the integer Meta's budget fields take: the same for most
// currencies, whole units for those Meta bills without a minor unit.
func MetaAmount(minor int64, currency string) int64 {
	if metaWhole[currency] {
		return minor / int64(math.Pow10(Exponent(currency)))
	}
	return minor
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// minDaily is the smallest daily budget, in major units, relance accepts per currency. Meta's real floor
// depends on the ad account and the optimization goal (GET /act_{id}/minimum_budgets, min_daily_budget_imp)
// and the reference gives no figure, so this is an assumption: about USD 1.00 a day, Meta's documented floor
// for impression-billed ad sets, rounded per currency. A currency not listed needs at least 1 major unit;
// Meta's own check at launch remains the last word.
var minDaily = map[string]int64{
	"USD": 1, "EUR": 1, "GBP": 1, "CHF": 1, "CAD": 1, "AUD": 1, "NZD": 1, "SGD": 1, "HKD": 8, "CNY": 7,
	"JPY": 150, "KRW": 1400, "TWD": 30, "INR": 85, "IDR": 16000, "VND": 25000, "THB": 35, "PHP": 55, "MYR": 5,
	"BRL": 5, "MXN": 18, "COP": 4000, "CLP": 950, "PEN": 4, "ARS": 1000, "ZAR": 18, "TRY": 35, "PLN": 4,
	"CZK": 23, "HUF": 360, "SEK": 10, "NOK": 10, "DKK": 7, "ISK": 140, "ILS": 4, "AED": 4, "SAR": 4,
	"EGP": 50, "NGN": 1500, "KES": 130, "PKR": 280, "BDT": 120, "CRC": 520, "PYG": 7500,
}

// MinDailyBudget is the smallest daily budget in minor units of the currency (see minDaily).
func MinDailyBudget(currency string) int64 {
	major, ok := minDaily[currency]
	if !ok {
		major = 1
	}
	return major * int64(math.Pow10(Exponent(currency)))
}
