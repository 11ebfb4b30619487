package fx

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Quote is one currency's rate to the reporting currency on a day, as the rates screen and API show it.
type Quote struct {
	Currency string `json:"currency"`
	// Rate is how much of the reporting currency 1 Currency buys, to 8 decimals; "" when missing.
	Rate string `json:"rate"`
	// Day is the oldest published day the rate rests on (the day itself or up to Lookback days before).
	Day string `json:"day,omitempty"`
	// Via is the currency the rate was crossed through, "" for a direct (or inverse) rate.
	Via    string `json:"via,omitempty"`
	Manual bool   `json:"manual"`
	// InUse says a brand or ad account of the agency holds money in this currency.
	InUse bool `json:"in_use"`
	// Missing says no rate reaches the reporting currency: figures in this currency cannot be converted.
	Missing bool `json:"missing"`
}

// Board is the rates an agency converts with on a day.
type Board struct {
	Day       string  `json:"date"`
	Reporting string  `json:"reporting_currency"`
	Quotes    []Quote `json:"data"`
	// Missing lists the currencies in use that cannot be converted on Day.
	Missing []string `json:"missing"`
	// Latest is the newest day any rate is stored for, "" when none is.
	Latest string `json:"latest"`
}

// Board answers, for day, every currency the agency uses or has a rate for, against the reporting currency.
func (s *Store) Board(ctx context.Context, tenantID, day, reporting string) (Board, error) {
	if day == "" {
		day = s.now().UTC().Format(dayLayout)
	}
	if _, err := parseDay(day); err != nil {
		return Board{}, err
	}
	b := Board{Day: day, Reporting: reporting, Quotes: []Quote{}, Missing: []string{}}
	inUse, err := s.currenciesInUse(ctx, tenantID)
	if err != nil {
		return Board{}, err
	}
	tb, err := s.Table(ctx, tenantID, day, day)
	if err != nil {
		return Board{}, err
	}
	if b.Latest, err = s.Latest(ctx, tenantID); err != nil {
		return Board{}, err
	}
	all := slices.Clone(inUse)
	for k := range tb.legs {
		all = append(all, k[0], k[1])
	}
	slices.Sort(all)
	all = slices.Compact(all)
	for _, cur := range all {
		if cur == reporting {
			continue
		}
		q := Quote{Currency: cur, InUse: slices.Contains(inUse, cur)}
		if f, err := tb.Find(cur, reporting, day); err == nil {
			q.Rate, q.Day, q.Via, q.Manual = f.Rate.FloatString(8), f.Day, f.Via, f.Manual
		} else {
			q.Missing = true
			if q.InUse {
				b.Missing = append(b.Missing, cur)
			}
		}
		b.Quotes = append(b.Quotes, q)
	}
	return b, nil
}

// currenciesInUse are the currencies of the agency's brands and ad accounts.
func (s *Store) currenciesInUse(ctx context.Context, tenantID string) ([]string, error) {
	var out []string
	err := s.db.R.WithContext(ctx).Raw("SELECT currency FROM brands WHERE tenant_id = ? UNION SELECT currency FROM ad_accounts WHERE tenant_id = ?",
		tenantID, tenantID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("fx: currencies in use: %w", err)
	}
	slices.Sort(out)
	return out, nil
}

// Today is the current UTC day, for callers that default to it.
func (s *Store) Today() string { return s.now().UTC().Format(time.DateOnly) }
