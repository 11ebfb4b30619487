package campaigns

import (
	"context"
	"fmt"
	"slices"
	"time"

	"relance/database"
)

// Activity is what a campaign list shows beside each campaign: when it next acts, what it spent and how its
// sends went.
type Activity struct {
	// Next is the next send slot (sponsored messages) or the active window or flight the ads kinds are in or
	// will open next; nil when nothing is planned (a draft, a paused or ended campaign).
	Next *Occurrence `json:"next"`
	// Spend is what the campaign cost so far, when relance knows it; nil means unknown (see SpendNote).
	Spend *Money `json:"spend"`
	// SpendNote says why Spend is what it is, in a sentence for people.
	SpendNote string `json:"spend_note"`
	// Sends counts the campaign's sends over all its runs by status (the statuses of a run's counts), and Total
	// all of them.
	Sends SendTotals `json:"sends"`
}

// Money is an amount in minor units of a currency, with the decimal string the API shows.
type Money struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	Minor    int64  `json:"minor"`
}

// SendTotals counts sends by status over all of a campaign's runs.
type SendTotals struct {
	Total  int            `json:"total"`
	Counts map[string]int `json:"counts"`
	// Messaged counts the sends that went out (sent, delivered, read, replied).
	Messaged int `json:"messaged"`
}

// Occurrence is one thing a campaign does at a time: a send slot, an active window of an ads campaign, or its
// whole flight when it has no windows. End is nil for a slot and for a flight without an end.
type Occurrence struct {
	What  string     `json:"what"`
	Start time.Time  `json:"start"`
	End   *time.Time `json:"end"`
	// Now says the window or flight is already open at the start of the range asked (lists and calendars set
	// it only for a running campaign: a scheduled one is not live yet).
	Now bool `json:"now"`
}

// What an occurrence is.
const (
	OccurSlot   = "slot"
	OccurWindow = "window"
	OccurFlight = "flight"
)

// Spend notes.
const (
	spendFree    = "standard messages inside the 24-hour window cost nothing"
	spendUnknown = "spend is not imported from Meta yet"
	spendNone    = "nothing sent or launched yet"
)

// Activities returns the activity of a page of campaigns of one tenant, keyed by campaign id: their send counts
// come from one grouped query over the page, whatever its size; next occurrences are computed from the
// schedules in each campaign's zone.
func Activities(ctx context.Context, db *database.DB, tenantID string, list []Campaign, now time.Time, opts Options) (map[string]Activity, error) {
	out := make(map[string]Activity, len(list))
	if len(list) == 0 {
		return out, nil
	}
	ids := make([]string, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	var rows []struct {
		CampaignID, Status, Route string
		N                         int
	}
	err := db.R.WithContext(ctx).Model(&sendRow{}).Select("campaign_id, status, route, COUNT(*) AS n").
		Where("tenant_id = ? AND campaign_id IN ?", tenantID, ids).Group("campaign_id, status, route").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: activity: %w", err)
	}
	totals := make(map[string]*SendTotals, len(list))
	paid := map[string]int{}
	for _, c := range list {
		t := &SendTotals{Counts: map[string]int{}}
		for _, st := range SendStatuses {
			t.Counts[st] = 0
		}
		totals[c.ID] = t
	}
	for _, r := range rows {
		t := totals[r.CampaignID]
		st := publicStatus(r.Status)
		t.Counts[st] += r.N
		t.Total += r.N
		if messaged(st) {
			t.Messaged += r.N
			if r.Route == RoutePaid {
				paid[r.CampaignID] += r.N
			}
		}
	}
	if opts.NextRun == nil {
		opts.NextRun = func(string, string, time.Time) (time.Time, error) { return time.Time{}, ErrNoSlots }
	}
	for _, c := range list {
		a := Activity{Sends: *totals[c.ID], Next: nextOccurrence(c, now, opts.NextRun)}
		a.Spend, a.SpendNote = spendOf(c, a.Sends, paid[c.ID])
		out[c.ID] = a
	}
	return out, nil
}

// messaged reports a status of a send that went out.
func messaged(status string) bool {
	return status == SendSent || status == SendDelivered || status == SendRead || status == SendReplied
}

// spendOf says what relance knows of a campaign's spend. A sponsored-message campaign whose sends all went
// as standard messages (free or the one follow-up) cost nothing; anything paid or any ad is billed by Meta,
// and relance does not import Meta's spend yet, so it says so rather than guess.
func spendOf(c Campaign, t SendTotals, paidMessaged int) (*Money, string) {
	currency := ""
	if c.Budget != nil {
		currency = c.Budget.Currency
	}
	switch {
	case IsAds(c.Kind) && (c.State == StateDraft || c.State == StatePendingApproval || c.State == StateScheduled):
		return nil, spendNone
	case IsAds(c.Kind):
		return nil, spendUnknown
	case t.Messaged == 0:
		return nil, spendNone
	case paidMessaged > 0 || currency == "":
		return nil, spendUnknown
	}
	return &Money{Amount: FormatAmount(0, currency), Currency: currency}, spendFree
}

// nextOccurrence is the next thing a live campaign does after now: its next send slot, or the ads window or
// flight it is in or will open next. Drafts, campaigns waiting for approval, paused and ended ones plan
// nothing.
func nextOccurrence(c Campaign, now time.Time, next func(spec, tz string, after time.Time) (time.Time, error)) *Occurrence {
	if c.State != StateScheduled && c.State != StateRunning {
		return nil
	}
	if c.EndsAt != nil && !now.Before(*c.EndsAt) {
		return nil
	}
	occ := Occurrences(c, now, now.Add(occurrenceHorizon), 1, next)
	if len(occ) == 0 {
		return nil
	}
	occ[0].Now = occ[0].Now && c.State == StateRunning
	return &occ[0]
}

// occurrenceHorizon is how far ahead a list looks for a campaign's next slot or window.
const occurrenceHorizon = 366 * 24 * time.Hour

// Occurrences lists at most limit occurrences of a campaign that touch [from, to), in time order: send slots
// inside the flight (sponsored messages), active windows clipped to the flight (ads kinds with windows), or the
// flight itself (ads kinds without). A window or flight already open at from is included, marked Now when it
// holds from. The caller decides which states plan anything.
func Occurrences(c Campaign, from, to time.Time, limit int, next func(spec, tz string, after time.Time) (time.Time, error)) []Occurrence {
	from, to = from.UTC(), to.UTC()
	start, end := from, to
	if c.StartsAt != nil && c.StartsAt.After(start) {
		start = *c.StartsAt
	}
	if c.EndsAt != nil && c.EndsAt.Before(end) {
		end = *c.EndsAt
	}
	if !end.After(start) || limit <= 0 {
		return nil
	}
	var out []Occurrence
	switch {
	case c.Kind == KindSponsoredMessage:
		if c.Schedule.SendCron == "" {
			return nil
		}
		at := start.Add(-time.Nanosecond)
		for len(out) < limit {
			t, err := next(c.Schedule.SendCron, c.Schedule.Timezone, at)
			if err != nil || !t.Before(end) {
				break
			}
			out = append(out, Occurrence{What: OccurSlot, Start: t.UTC()})
			at = t
		}
	case len(c.Schedule.Active) == 0:
		// Without a start date the flight starts at launch: from the time asked, as far as anyone knows.
		o := Occurrence{What: OccurFlight, Start: start, Now: !from.Before(start)}
		if c.StartsAt != nil {
			o.Start = *c.StartsAt
		}
		if c.EndsAt != nil {
			e := *c.EndsAt
			o.End = &e
		}
		out = append(out, o)
	default:
		out = windows(c, from, start, end, limit, next)
	}
	return out
}

// windows lists the active windows of an ads campaign that touch [start, end), merged across its window specs
// in time order and clipped to the flight.
func windows(c Campaign, from, start, end time.Time, limit int, next func(spec, tz string, after time.Time) (time.Time, error)) []Occurrence {
	var all []Occurrence
	for _, w := range c.Schedule.Active {
		d := time.Duration(w.Minutes) * time.Minute
		// A window that opened before start may still be open: look back by its length.
		at := start.Add(-d)
		for n := 0; n < limit; {
			t, err := next(w.Cron, c.Schedule.Timezone, at)
			if err != nil || !t.Before(end) {
				break
			}
			at = t
			e := t.Add(d)
			if !e.After(start) {
				continue
			}
			o := Occurrence{What: OccurWindow, Start: t.UTC(), End: &e}
			if c.EndsAt != nil && e.After(*c.EndsAt) {
				ce := *c.EndsAt
				o.End = &ce
			}
			o.Now = !from.Before(o.Start) && from.Before(*o.End)
			all = append(all, o)
			n++
		}
	}
	slices.SortStableFunc(all, func(a, b Occurrence) int { return a.Start.Compare(b.Start) })
	if len(all) > limit {
		all = all[:limit]
	}
	return all
}
