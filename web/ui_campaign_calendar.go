package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/campaigns"
	"relance/tenancy"
)

// calendarView is the calendar screen: occurrences grouped by the day they fall on in their brand's zone.
type calendarView struct {
	From, To  time.Time
	FromDate  string
	ToDate    string
	BrandID   string
	Brands    []tenancy.Brand
	Days      []calendarDay
	Truncated []string
	Names     map[string]string
	Partial   bool
}

// calendarDay is one day's occurrences; Date is the brand-zone date of each of its entries.
type calendarDay struct {
	Date    string
	Entries []calendarEntry
}

// calendarEntry is an occurrence with its brand's name; Count > 1 stands for that many slots of the campaign
// on the day, from Start to Last.
type calendarEntry struct {
	campaigns.CalendarEntry
	BrandName string
	Count     int
	Last      time.Time
}

// calendarCollapse is how many slots of one campaign a day lists one by one; more are one row.
const calendarCollapse = 3

// campaignCalendarPage shows the calendar of upcoming slots and active windows across the brands the caller
// may see (GET /campaigns/calendar).
func (s *Server) campaignCalendarPage(c *fiber.Ctx) error {
	page, byID, err := s.calendarOf(c)
	if err != nil {
		return err
	}
	v := calendarView{From: page.From, To: page.To, FromDate: page.From.Format(time.DateOnly),
		ToDate: page.To.Format(time.DateOnly), BrandID: c.Query("brand_id"), Truncated: page.Truncated, Names: map[string]string{},
		Partial: page.Partial}
	if v.Brands, err = s.brandsWith(c, tenancy.PermCampaignsRead); err != nil {
		return err
	}
	dayAt := map[string]int{}
	for _, e := range page.Data {
		// An open window or flight is listed on the range's first day; the rest on the day they start.
		at := e.Start
		if at.Before(page.From) {
			at = page.From
		}
		loc, err := time.LoadLocation(e.Timezone)
		if err != nil {
			loc = time.UTC
		}
		// Brands in zones far apart can put a later UTC time on an earlier local day: each day keeps its
		// place from its first entry.
		day := at.In(loc).Format("Mon 2 Jan 2006")
		i, ok := dayAt[day]
		if !ok {
			i = len(v.Days)
			dayAt[day] = i
			v.Days = append(v.Days, calendarDay{Date: day})
		}
		v.Days[i].Entries = append(v.Days[i].Entries, calendarEntry{CalendarEntry: e, BrandName: byID[e.BrandID].Name})
		v.Names[e.CampaignID] = e.Name
	}
	for i := range v.Days {
		v.Days[i].Entries = collapseSlots(v.Days[i].Entries)
	}
	return s.renderPage(c, "campaigns/calendar", "Campaign calendar", v)
}

// collapseSlots turns the slots of a campaign that sends more than calendarCollapse times in a day into one
// row (first, last, how many), so that a campaign sending every few minutes does not bury the others.
func collapseSlots(es []calendarEntry) []calendarEntry {
	n := map[string]int{}
	for _, e := range es {
		if e.What == campaigns.OccurSlot {
			n[e.CampaignID]++
		}
	}
	out := es[:0]
	first := map[string]int{}
	for _, e := range es {
		if e.What != campaigns.OccurSlot || n[e.CampaignID] <= calendarCollapse {
			out = append(out, e)
			continue
		}
		if i, ok := first[e.CampaignID]; ok {
			out[i].Count++
			out[i].Last = e.Start
			continue
		}
		e.Count, e.Last = 1, e.Start
		first[e.CampaignID] = len(out)
		out = append(out, e)
	}
	return out
}
