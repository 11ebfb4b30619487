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
}

// calendarDay is one day's occurrences; Date is the brand-zone date of each of its entries.
type calendarDay struct {
	Date    string
	Entries []calendarEntry
}

// calendarEntry is an occurrence with its brand's name.
type calendarEntry struct {
	campaigns.CalendarEntry
	BrandName string
}

// campaignCalendarPage shows the calendar of upcoming slots and active windows across the brands the caller
// may see (GET /campaigns/calendar).
func (s *Server) campaignCalendarPage(c *fiber.Ctx) error {
	page, byID, err := s.calendarOf(c)
	if err != nil {
		return err
	}
	v := calendarView{From: page.From, To: page.To, FromDate: page.From.Format(time.DateOnly),
		ToDate: page.To.Format(time.DateOnly), BrandID: c.Query("brand_id"), Truncated: page.Truncated, Names: map[string]string{}}
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
	return s.renderPage(c, "campaigns/calendar", "Campaign calendar", v)
}
