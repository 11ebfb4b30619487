package fx

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"

	"relance/meta"
)

// Sources of a rate.
const (
	// SourceECB is a rate from the ECB's reference CSV, shared by every agency.
	SourceECB = "ecb"
	// SourceManual is a rate an agency entered, seen by that agency only.
	SourceManual = "manual"
)

// Lookback is how far back a day without a rate of its own looks for the latest earlier one.
const Lookback = 7

// dayLayout is the calendar day of a rate, as the ECB writes it.
const dayLayout = "2006-01-02"

// Errors of the package; test with errors.Is.
var (
	// ErrMissingRate says no rate links two currencies on a day or in the Lookback days before it.
	ErrMissingRate = errors.New("fx: missing exchange rate")
	// ErrInvalid says an input rate, day or currency is malformed.
	ErrInvalid = errors.New("fx: invalid rate")
)

// Rate says that on Day, 1 Base is worth Rate Quote.
type Rate struct {
	Day    string `json:"date"`
	Base   string `json:"base"`
	Quote  string `json:"quote"`
	Rate   string `json:"rate"`
	Source string `json:"source"`
}

// rateRe is a plain positive decimal: no sign, exponent, fraction bar or thousands separator, which big.Rat
// would otherwise accept or the ECB never writes.
var rateRe = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,14})?$`)

// parseRate reads a decimal rate exactly; it must be above zero.
func parseRate(s string) (*big.Rat, error) {
	s = strings.TrimSpace(s)
	if !rateRe.MatchString(s) {
		return nil, fmt.Errorf("%w: %q is not a plain decimal such as 1.0921", ErrInvalid, s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || r.Sign() <= 0 {
		return nil, fmt.Errorf("%w: %q must be above zero", ErrInvalid, s)
	}
	return r, nil
}

// normalRate writes a rate without leading or trailing zeros, so the same rate is stored the same way.
func normalRate(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	s = strings.TrimLeft(s, "0")
	if s == "" || s[0] == '.' {
		s = "0" + s
	}
	return s
}

// parseDay reads a calendar day (YYYY-MM-DD).
func parseDay(s string) (time.Time, error) {
	d, err := time.Parse(dayLayout, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q is not a date YYYY-MM-DD", ErrInvalid, s)
	}
	return d, nil
}

// currencyCode checks and upper-cases an ISO 4217 code relance holds money in.
func currencyCode(s string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(s))
	if meta.ISOMinorDigits(c) < 0 {
		return "", fmt.Errorf("%w: %q is not an ISO 4217 currency", ErrInvalid, s)
	}
	return c, nil
}
