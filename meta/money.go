package meta

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"golang.org/x/text/currency"
)

// Money in relance is an int64 count of the currency's ISO 4217 minor unit plus the ISO code, never a float
// (DESIGN §4). Meta uses two other representations that must be converted exactly:
//
//   - budgets, bids and caps are integers in Meta's "offset" for the account currency (reference §3):
//     100 for most currencies, 1 for CLP, COP, CRC, HUF, ISK, IDR, JPY, KRW, PYG, TWD, VND. Meta's offset is
//     not ISO's minor unit: HUF, TWD, CRC, COP and IDR have 2 ISO digits but offset 1; BHD and JOD have 3 ISO
//     digits but offset 100. ToMetaBudget and FromMetaBudget convert, refusing to drop a fraction.
//   - Insights report spend as a decimal string in currency units ("38.87", reference §5). ParseDecimal reads
//     it without floating point.
//
// Decisions:
//
//   - Stored amounts use ISO 4217 minor units, from the table below, not from golang.org/x/text/currency:
//     x/text carries CLDR 32 (2017) "digits", which are display conventions, not ISO's minor units (CLDR says
//     0 for IDR, COP, PKR, RSD, IQD where ISO says 2, 2, 2, 2, 3) and which predate VES, MRU, SLE, VED, ZWG,
//     XCG and UYW. With CLDR digits, a PKR or RSD spend of "12.34" (Meta offset 100) could not be stored
//     exactly; with ISO digits every Meta currency has at least as many stored digits as Meta's offset, so
//     FromMetaBudget and ParseDecimal of Meta's own figures never round. x/text is still used to recognise
//     codes. The scale of a currency must never change once amounts are stored: the test pins it.
//   - Codes ISO 4217 gives no minor unit (precious metals, XDR, XTS, XXX, ...) are refused: relance holds no
//     money in them. Withdrawn codes x/text still knows get 2 digits unless listed (Meta lists HRK, LTL, LVL,
//     SKK, VEF with offset 100, which matches).
//   - Currencies Meta's ad accounts do not support (KWD, OMR, TND, LYD, IQD, ...) have MetaOffset 0 and
//     ToMetaBudget refuses them, rather than guessing an offset that could be wrong by a factor of 10 or 100.
//   - Decimals with more fractional digits than the currency has ("12.345" USD) are rounded half away from
//     zero to the minor unit, exactly, on the decimal digits. Summing rounded daily rows can differ from a
//     total Meta rounded itself by a few minor units; reports label such totals as sums.

// Money is an amount in minor units of an ISO 4217 currency.
type Money struct {
	Minor    int64  // amount in the currency's ISO 4217 minor unit (cents for USD, fils for BHD, yen for JPY)
	Currency string // ISO 4217 code, upper case
}

// Errors returned (wrapped, with details) by the money functions; test with errors.Is.
var (
	ErrCurrency  = errors.New("meta: unsupported currency")
	ErrDecimal   = errors.New("meta: not a plain decimal amount")
	ErrOverflow  = errors.New("meta: amount out of range")
	ErrPrecision = errors.New("meta: amount has a fraction the target unit cannot hold")
)

// isoDigits lists ISO 4217 (List One, 2025) currencies whose minor unit is not 2 decimal digits.
var isoDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

// isoNoMinorUnit lists codes ISO 4217 marks "N.A." for the minor unit (funds, metals, testing, no currency).
var isoNoMinorUnit = map[string]bool{
	"XAG": true, "XAU": true, "XPD": true, "XPT": true, "XDR": true, "XSU": true, "XUA": true,
	"XBA": true, "XBB": true, "XBC": true, "XBD": true, "XTS": true, "XXX": true,
}

// isoNewerThanXText lists active ISO 4217 codes introduced after x/text's CLDR 32 tables.
var isoNewerThanXText = map[string]bool{
	"MRU": true, "SLE": true, "UYW": true, "VED": true, "VES": true, "XCG": true, "ZWG": true,
}

// metaOffsets is Meta's currency table for ad accounts (Marketing API "Currency codes" page, reference §3),
// without FBZ (Facebook credits, not a currency).
var metaOffsets = map[string]int64{
	"AED": 100, "ARS": 100, "AUD": 100, "BDT": 100, "BGN": 100, "BHD": 100, "BOB": 100, "BRL": 100,
	"CAD": 100, "CHF": 100, "CLP": 1, "CNY": 100, "COP": 1, "CRC": 1, "CZK": 100, "DKK": 100,
	"DZD": 100, "EGP": 100, "EUR": 100, "GBP": 100, "GTQ": 100, "HKD": 100, "HNL": 100, "HRK": 100,
	"HUF": 1, "IDR": 1, "ILS": 100, "INR": 100, "ISK": 1, "JOD": 100, "JPY": 1, "KES": 100,
	"KRW": 1, "LTL": 100, "LVL": 100, "MOP": 100, "MXN": 100, "MYR": 100, "NGN": 100, "NIO": 100,
	"NOK": 100, "NZD": 100, "PEN": 100, "PHP": 100, "PKR": 100, "PLN": 100, "PYG": 1, "QAR": 100,
	"RON": 100, "RSD": 100, "RUB": 100, "SAR": 100, "SEK": 100, "SGD": 100, "SKK": 100, "THB": 100,
	"TRY": 100, "TWD": 1, "UAH": 100, "USD": 100, "UYU": 100, "VEF": 100, "VES": 100, "VND": 1,
	"ZAR": 100,
}

// pow10 holds 10^0 … 10^18, every power of ten an int64 can hold.
var pow10 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// lookupCurrency normalises code to upper case and returns it with its ISO minor digits.
func lookupCurrency(code string) (string, int, error) {
	if code == "" {
		return "", 0, fmt.Errorf("%w: empty currency code", ErrCurrency)
	}
	up := strings.ToUpper(code)
	if len(up) != 3 || strings.Trim(up, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return "", 0, fmt.Errorf("%w: %q is not an ISO 4217 code", ErrCurrency, code)
	}
	if !isoNewerThanXText[up] {
		if _, err := currency.ParseISO(up); err != nil {
			return "", 0, fmt.Errorf("%w: %q is not an ISO 4217 code", ErrCurrency, code)
		}
	}
	if isoNoMinorUnit[up] {
		return "", 0, fmt.Errorf("%w: %s has no minor unit in ISO 4217", ErrCurrency, up)
	}
	if d, ok := isoDigits[up]; ok {
		return up, d, nil
	}
	return up, 2, nil
}

// ISOMinorDigits is the number of decimal digits of cur's ISO 4217 minor unit (2 for USD, 0 for JPY, 3 for
// BHD), or -1 when cur is not a currency relance can hold money in. Case-insensitive.
func ISOMinorDigits(cur string) int {
	_, d, err := lookupCurrency(cur)
	if err != nil {
		return -1
	}
	return d
}

// MetaOffset is Meta's offset for cur (100, or 1 for currencies Meta treats as having no minor unit), or 0
// when Meta's ad accounts do not support cur (reference §3). Case-insensitive.
func MetaOffset(cur string) int64 {
	return metaOffsets[strings.ToUpper(cur)]
}

// metaDigits is log10 of MetaOffset, or an error when Meta does not support the currency.
func metaDigits(cur string) (int, error) {
	switch MetaOffset(cur) {
	case 1:
		return 0, nil
	case 100:
		return 2, nil
	}
	return 0, fmt.Errorf("%w: Meta ad accounts do not support %s", ErrCurrency, cur)
}

// ParseDecimal reads a plain decimal amount in currency units, as Insights report spend ("38.87", "1234",
// "0.5", "-3.10"), into minor units. Only ASCII digits, one optional leading "-" and one "." are accepted:
// thousands separators, decimal commas, exponents and signs like "+" are refused, since Meta sends none and
// guessing what "1,234" means is how amounts go wrong by a factor of 1000. Surrounding spaces are ignored.
// Fractional digits beyond the currency's minor unit are rounded half away from zero, exactly.
func ParseDecimal(s string, cur string) (Money, error) {
	code, digits, err := lookupCurrency(cur)
	if err != nil {
		return Money{}, err
	}
	str := strings.TrimSpace(s)
	neg := strings.HasPrefix(str, "-")
	if neg {
		str = str[1:]
	}
	whole, frac, hasDot := strings.Cut(str, ".")
	if !allDigits(whole) || (hasDot && !allDigits(frac)) {
		return Money{}, decimalError(s)
	}
	limit := uint64(math.MaxInt64)
	if neg {
		limit++ // -9223372036854775808 is representable
	}
	var mag uint64
	push := func(d uint64) error {
		if mag > (limit-d)/10 {
			return fmt.Errorf("%w: %q %s does not fit in int64 minor units", ErrOverflow, s, code)
		}
		mag = mag*10 + d
		return nil
	}
	for i := 0; i < len(whole); i++ {
		if err := push(uint64(whole[i] - '0')); err != nil {
			return Money{}, err
		}
	}
	for i := 0; i < digits; i++ {
		var d uint64
		if i < len(frac) {
			d = uint64(frac[i] - '0')
		}
		if err := push(d); err != nil {
			return Money{}, err
		}
	}
	// Half away from zero: only the first dropped digit decides (≥ 5 rounds the magnitude up).
	if len(frac) > digits && frac[digits] >= '5' {
		if mag == limit {
			return Money{}, fmt.Errorf("%w: %q %s does not fit in int64 minor units", ErrOverflow, s, code)
		}
		mag++
	}
	return Money{Minor: signed(mag, neg), Currency: code}, nil
}

// decimalError explains why s is not a plain decimal.
func decimalError(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return fmt.Errorf("%w: empty string", ErrDecimal)
	case strings.ContainsAny(s, ",'_ "):
		return fmt.Errorf("%w: %q has a separator (Meta sends plain \"1234.56\")", ErrDecimal, s)
	case strings.ContainsAny(s, "eE"):
		return fmt.Errorf("%w: %q has an exponent", ErrDecimal, s)
	}
	return fmt.Errorf("%w: %q", ErrDecimal, s)
}

// allDigits reports whether s is one or more ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// signed turns a magnitude of at most 2^63 back into an int64.
func signed(mag uint64, neg bool) int64 {
	if !neg {
		return int64(mag)
	}
	if mag == 1<<63 {
		return math.MinInt64
	}
	return -int64(mag)
}

// FormatDecimal writes m in currency units with the currency's ISO digits and no grouping ("38.87",
// "2000" for JPY, "1.234" for BHD, "-0.05"): the inverse of ParseDecimal. A Money whose currency is not
// one relance holds is written as its bare minor units.
func FormatDecimal(m Money) string {
	digits := max(ISOMinorDigits(m.Currency), 0)
	neg := m.Minor < 0
	mag := uint64(m.Minor)
	if neg {
		mag = uint64(-(m.Minor + 1)) + 1 // safe for math.MinInt64
	}
	s := strconv.FormatUint(mag, 10)
	if digits > 0 {
		if len(s) <= digits {
			s = strings.Repeat("0", digits-len(s)+1) + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// String is the amount and its code, "38.87 USD", for logs and messages.
func (m Money) String() string {
	return FormatDecimal(m) + " " + m.Currency
}

// ToMetaBudget converts m to the integer Meta expects for daily_budget, lifetime_budget, bid and cap fields:
// units of 1/MetaOffset of the account currency (USD 20.00 → 2000, JPY 2000 → 2000, HUF 1500.00 → 1500,
// BHD 20.000 → 2000). It refuses negative amounts, currencies Meta does not support, and amounts whose
// fraction Meta's unit cannot express (HUF 1500.50, BHD 20.005), rather than round someone's budget.
func ToMetaBudget(m Money) (int64, error) {
	code, iso, err := lookupCurrency(m.Currency)
	if err != nil {
		return 0, err
	}
	md, err := metaDigits(code)
	if err != nil {
		return 0, err
	}
	if m.Minor < 0 {
		return 0, fmt.Errorf("%w: negative budget %s", ErrOverflow, m)
	}
	if iso >= md {
		div := pow10[iso-md]
		if m.Minor%div != 0 {
			return 0, fmt.Errorf("%w: %s in Meta's unit for %s (offset %d)", ErrPrecision, m, code, MetaOffset(code))
		}
		return m.Minor / div, nil
	}
	mul := pow10[md-iso]
	if m.Minor > math.MaxInt64/mul {
		return 0, fmt.Errorf("%w: %s in Meta's unit", ErrOverflow, m)
	}
	return m.Minor * mul, nil
}

// FromMetaBudget converts an integer Meta sent in its offset unit (budgets, spend_cap, amount_spent) for an
// account in currency cur into Money. For every currency Meta supports the stored unit is at least as fine
// as Meta's, so this only fails on an unsupported currency or an overflow.
func FromMetaBudget(v int64, cur string) (Money, error) {
	code, iso, err := lookupCurrency(cur)
	if err != nil {
		return Money{}, err
	}
	md, err := metaDigits(code)
	if err != nil {
		return Money{}, err
	}
	if iso >= md {
		mul := pow10[iso-md]
		if v > math.MaxInt64/mul || v < math.MinInt64/mul {
			return Money{}, fmt.Errorf("%w: %d %s from Meta", ErrOverflow, v, code)
		}
		return Money{Minor: v * mul, Currency: code}, nil
	}
	div := pow10[md-iso]
	if v%div != 0 {
		return Money{}, fmt.Errorf("%w: %d %s from Meta (offset %d)", ErrPrecision, v, code, MetaOffset(code))
	}
	return Money{Minor: v / div, Currency: code}, nil
}
