package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/campaigns"
	"relance/tenancy"
)

// calendarWeek is the range a calendar covers when the caller names no end.
const calendarWeek = 7 * 24 * time.Hour

// calendarOf reads ?from=, ?to= (RFC 3339, or a date taken as midnight UTC; default now and a week after from)
// and ?brand_id=, and returns the calendar of the brands the caller may read campaigns of, with those brands
// by id. A bad time is a 422 naming its parameter.
func (s *Server) calendarOf(c *fiber.Ctx) (campaigns.CalendarPage, map[string]tenancy.Brand, error) {
	fe := map[string]string{}
	from, ok := calendarTime(c.Query("from"), time.Now().UTC().Truncate(time.Minute))
	if !ok {
		fe["from"] = "must be an RFC 3339 time or a date YYYY-MM-DD"
	}
	to, ok := calendarTime(c.Query("to"), from.Add(calendarWeek))
	if !ok {
		fe["to"] = "must be an RFC 3339 time or a date YYYY-MM-DD"
	}
	if len(fe) > 0 {
		return campaigns.CalendarPage{}, nil, &tenancy.ValidationError{Fields: fe}
	}
	brands, err := s.brandsWith(c, tenancy.PermCampaignsRead)
	if err != nil {
		return campaigns.CalendarPage{}, nil, err
	}
	if id := c.Query("brand_id"); id != "" {
		brands = onlyBrand(brands, id)
	}
	byID := make(map[string]tenancy.Brand, len(brands))
	for _, b := range brands {
		byID[b.ID] = b
	}
	page, err := campaigns.CalendarOf(c.UserContext(), s.DB, principalOf(c).TenantID, brands, from, to, s.campaignOptions())
	return page, byID, err
}

// calendarTime parses a calendar bound; "" is def.
func calendarTime(v string, def time.Time) (time.Time, bool) {
	if v == "" {
		return def, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// apiCampaignCalendar answers GET /api/v1/campaigns/calendar: the upcoming send slots and the active windows
// and flights of the scheduled and running campaigns the caller may see, in time order, each with its brand's
// zone.
func (s *Server) apiCampaignCalendar(c *fiber.Ctx) error {
	page, _, err := s.calendarOf(c)
	if err != nil {
		return err
	}
	return c.JSON(page)
}
