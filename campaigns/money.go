package campaigns

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"relance/meta"
)

// ErrAmount means a decimal amount is not one the currency can hold.
var ErrAmount = errors.New("campaigns: invalid amount")

// Exponent is the ISO 4217 minor-unit exponent of a currency (2 for USD: 1 USD = 100 minor units), from the
// meta package's table, which Insights spend and budgets are converted with too; 2 for a code it lacks.
func Exponent(currency string) int {
	if e := meta.ISOMinorDigits(currency); e >= 0 {
		return e
	}
	return 2
}

// metaWhole reports a currency Meta bills without a minor unit (offset 1, reference §3), some of which ISO
// 4217 gives two decimals: a budget in them must be a whole number or Meta refuses it.
func metaWhole(currency string) bool { return meta.MetaOffset(currency) == 1 }

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
	if metaWhole(currency) && strings.TrimRight(frac, "0") != "" {
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
	return meta.FormatDecimal(meta.Money{Minor: minor, Currency: currency})
}

// MetaAmount converts minor units (ISO 4217) into the integer Meta's budget fields take: the same for most
// currencies, whole units for those Meta bills without a minor unit. Validation has already refused what
// Meta's unit cannot express, so an error here means a currency Meta does not support.
func MetaAmount(minor int64, currency string) (int64, error) {
	v, err := meta.ToMetaBudget(meta.Money{Minor: minor, Currency: currency})
	if err != nil {
		return 0, fmt.Errorf("campaigns: budget for Meta: %w", err)
	}
	return v, nil
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
