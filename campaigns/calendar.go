package campaigns

import (
	"context"
	"fmt"
	"slices"
	"time"

	"relance/database"
	"relance/tenancy"
)

// Calendar bounds: the longest range one calendar covers, how many occurrences it lists per campaign (a
// campaign sending every minute would otherwise fill it alone), and how many live campaigns it reads.
const (
	CalendarMaxRange    = 62 * 24 * time.Hour
	CalendarPerCampaign = 100
	calendarCampaigns   = 1000
)

// CalendarEntry is one occurrence of a live campaign in a calendar, with what a reader needs to place it:
// the brand and its zone (times are UTC; screens show them in Timezone).
type CalendarEntry struct {
	Occurrence
	CampaignID string `json:"campaign_id"`
	BrandID    string `json:"brand_id"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	State      string `json:"state"`
	Timezone   string `json:"timezone"`
}

// CalendarPage is a calendar of [From, To): entries in time order; Truncated names the campaigns that had more
// than CalendarPerCampaign occurrences in the range (only their first ones are listed).
type CalendarPage struct {
	From      time.Time       `json:"from"`
	To        time.Time       `json:"to"`
	Data      []CalendarEntry `json:"data"`
	Truncated []string        `json:"truncated"`
	// Partial says more live campaigns touch the range than one calendar reads (the first by id are listed):
	// narrow it with brand_id.
	Partial bool `json:"partial"`
}

// CalendarOf lists the upcoming send slots and the active windows and flights of the scheduled and running
// campaigns of the given brands (the caller passes only the brands it may see) that touch [from, to). A
// range that ends before it starts or spans more than CalendarMaxRange is a validation error naming from or to.
func CalendarOf(ctx context.Context, db *database.DB, tenantID string, brands []tenancy.Brand, from, to time.Time, opts Options) (CalendarPage, error) {
	from, to = from.UTC(), to.UTC()
	page := CalendarPage{From: from, To: to, Data: []CalendarEntry{}, Truncated: []string{}}
	switch {
	case !to.After(from):
		return page, &tenancy.ValidationError{Fields: map[string]string{"to": "must be after from"}}
	case to.Sub(from) > CalendarMaxRange:
		return page, &tenancy.ValidationError{Fields: map[string]string{"to": fmt.Sprintf("must be at most %d days after from", int(CalendarMaxRange.Hours()/24))}}
	}
	if len(brands) == 0 {
		return page, nil
	}
	ids := make([]string, len(brands))
	stores := make(map[string]*Store, len(brands))
	for i, b := range brands {
		ids[i] = b.ID
		stores[b.ID] = NewStore(db, tenantID, b, opts)
	}
	var rows []campaignRow
	err := db.R.WithContext(ctx).Table("campaigns").
		Where("tenant_id = ? AND brand_id IN ? AND state IN ?", tenantID, ids, []string{StateScheduled, StateRunning}).
		Where("(ends_at = 0 OR ends_at > ?) AND starts_at < ?", from.UnixMilli(), to.UnixMilli()).
		Order("id").Limit(calendarCampaigns + 1).Find(&rows).Error
	if err != nil {
		return page, fmt.Errorf("campaigns: calendar: %w", err)
	}
	if len(rows) > calendarCampaigns {
		rows, page.Partial = rows[:calendarCampaigns], true
	}
	for _, r := range rows {
		st := stores[r.BrandID]
		c := st.fromRow(r)
		occ := Occurrences(c, from, to, CalendarPerCampaign+1, st.opts.NextRun)
		if len(occ) > CalendarPerCampaign {
			occ = occ[:CalendarPerCampaign]
			page.Truncated = append(page.Truncated, c.ID)
		}
		for _, o := range occ {
			o.Now = o.Now && c.State == StateRunning
			page.Data = append(page.Data, CalendarEntry{Occurrence: o, CampaignID: c.ID, BrandID: c.BrandID, Name: c.Name,
				Kind: c.Kind, State: c.State, Timezone: st.brand.Timezone})
		}
	}
	slices.SortStableFunc(page.Data, func(a, b CalendarEntry) int { return a.Start.Compare(b.Start) })
	return page, nil
}
