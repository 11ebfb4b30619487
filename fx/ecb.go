package fx

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// ECBSummary says what an ECB file held.
type ECBSummary struct {
	Days       int      `json:"days"`
	Rates      int      `json:"rates"`
	From       string   `json:"from"`
	To         string   `json:"to"`
	Currencies []string `json:"currencies"`
	// Skipped are columns of currencies relance holds no money in (withdrawn ones such as CYP or ROL).
	Skipped []string `json:"skipped"`
}

// ParseECB reads the ECB's reference-rate CSV (eurofxref-hist.csv, or the one-day eurofxref.csv) and hands
// each rate to fn, in file order, without holding the file in memory. The header is "Date" then currency
// codes; each row is a day then, per currency, how much of it 1 EUR buys, or "N/A". Days are written
// 2024-11-29 in the history file and "29 November 2024" in the daily one; both are read.
func ParseECB(r io.Reader, fn func(Rate) error) (ECBSummary, error) {
	var sum ECBSummary
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return sum, fmt.Errorf("fx: ecb: header: %w", err)
	}
	if len(head) == 0 || strings.TrimPrefix(strings.TrimSpace(head[0]), "\ufeff") != "Date" {
		return sum, fmt.Errorf("fx: ecb: %w: the first column must be Date (is this the ECB reference CSV?)", ErrInvalid)
	}
	cols := make([]string, len(head)) // "" for a column to ignore
	for i := 1; i < len(head); i++ {
		h := strings.TrimSpace(head[i])
		if h == "" {
			continue // the ECB ends every line with a comma
		}
		c, err := currencyCode(h)
		if err != nil || c == "EUR" {
			sum.Skipped = append(sum.Skipped, h)
			continue
		}
		cols[i] = c
		sum.Currencies = append(sum.Currencies, c)
	}
	if len(sum.Currencies) == 0 {
		return sum, fmt.Errorf("fx: ecb: %w: no currency columns", ErrInvalid)
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sum, fmt.Errorf("fx: ecb: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 0 || (len(rec) == 1 && strings.TrimSpace(rec[0]) == "") {
			continue
		}
		day, err := ecbDay(rec[0])
		if err != nil {
			return sum, fmt.Errorf("fx: ecb: line %d: %w", line, err)
		}
		for i := 1; i < len(rec) && i < len(cols); i++ {
			v := strings.TrimSpace(rec[i])
			if cols[i] == "" || v == "" || v == "N/A" {
				continue
			}
			if _, err := parseRate(v); err != nil {
				return sum, fmt.Errorf("fx: ecb: line %d, %s: %w", line, cols[i], err)
			}
			if err := fn(Rate{Day: day, Base: "EUR", Quote: cols[i], Rate: normalRate(v), Source: SourceECB}); err != nil {
				return sum, err
			}
			sum.Rates++
		}
		sum.Days++
		if sum.From == "" || day < sum.From {
			sum.From = day
		}
		if day > sum.To {
			sum.To = day
		}
	}
	slices.Sort(sum.Currencies)
	return sum, nil
}

// ecbDay reads a day in either of the ECB's spellings.
func ecbDay(s string) (string, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{dayLayout, "2 January 2006"} {
		if d, err := time.Parse(layout, s); err == nil {
			return d.Format(dayLayout), nil
		}
	}
	return "", fmt.Errorf("%w: %q is not a date", ErrInvalid, s)
}
