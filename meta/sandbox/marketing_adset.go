package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"relance/meta"
	"relance/policy"
)

// Ad set enums Meta checks on create (Marketing API ad set reference).
var (
	billingEvents = []string{"APP_INSTALLS", "CLICKS", "IMPRESSIONS", "LINK_CLICKS", "LISTING_INTERACTION", "NONE",
		"OFFER_CLAIMS", "PAGE_LIKES", "POST_ENGAGEMENT", "PURCHASE", "THRUPLAY"}
	optimizationGoals = []string{"NONE", "APP_INSTALLS", "AD_RECALL_LIFT", "ENGAGED_USERS", "EVENT_RESPONSES",
		"IMPRESSIONS", "LEAD_GENERATION", "QUALITY_LEAD", "LINK_CLICKS", "OFFSITE_CONVERSIONS", "PAGE_LIKES",
		"POST_ENGAGEMENT", "QUALITY_CALL", "REACH", "LANDING_PAGE_VIEWS", "VISIT_INSTAGRAM_PROFILE", "VALUE",
		"THRUPLAY", "DERIVED_EVENTS", "CONVERSATIONS", "IN_APP_VALUE", "MESSAGING_PURCHASE_CONVERSION",
		"MESSAGING_APPOINTMENT_CONVERSION", "SUBSCRIBERS", "REMINDERS_SET", "PROFILE_VISIT"}
	destinationTypes = []string{"UNDEFINED", "WEBSITE", "APP", "MESSENGER", "INSTAGRAM_DIRECT", "WHATSAPP",
		"MESSAGING_MESSENGER_WHATSAPP", "MESSAGING_INSTAGRAM_DIRECT_MESSENGER",
		"MESSAGING_INSTAGRAM_DIRECT_MESSENGER_WHATSAPP", "MESSAGING_INSTAGRAM_DIRECT_WHATSAPP", "ON_AD", "ON_PAGE",
		"ON_POST", "ON_VIDEO", "ON_EVENT", "FACEBOOK", "INSTAGRAM_PROFILE", "SHOP_AUTOMATIC", "APPLINKS_AUTOMATIC"}
	bidStrategies = []string{"LOWEST_COST_WITHOUT_CAP", "LOWEST_COST_WITH_BID_CAP", "COST_CAP",
		"LOWEST_COST_WITH_MIN_ROAS"}
	publisherPlatforms = []string{"facebook", "instagram", "messenger", "audience_network", "threads"}
	messengerPositions = []string{"messenger_home", "sponsored_messages", "story"}
	pacingTypes        = []string{"standard", "no_pacing", "day_parting"}
	timezoneTypes      = []string{"USER", "ADVERTISER"}
)

// adsetMinDaily is the smallest daily budget the sandbox accepts per account currency, in Meta units, about
// USD 1.00 (Meta's own floor for impression billing varies by currency and moves with exchange rates).
var adsetMinDaily = map[string]int64{
	"USD": 100, "EUR": 100, "GBP": 100, "JPY": 150, "KRW": 1400, "BHD": 40, "INR": 8500, "BRL": 500,
}

// adsetMinDailyBudget is the daily floor for cur: the table above, else one whole unit of the currency.
func adsetMinDailyBudget(cur string) int64 {
	if v, ok := adsetMinDaily[cur]; ok {
		return v
	}
	if off := meta.MetaOffset(cur); off > 0 {
		return off
	}
	return 100
}

// budgetTooLow is Meta's answer to a budget under the floor: 100/1885272 with the minimum in the currency.
func budgetTooLow(param string, min int64, cur string) *apiError {
	shown := strconv.FormatInt(min, 10) + " " + cur
	if m, err := meta.FromMetaBudget(min, cur); err == nil {
		shown = meta.FormatDecimal(m) + " " + m.Currency
	}
	return &apiError{Status: http.StatusBadRequest, Code: 100, Subcode: 1885272, Type: "OAuthException",
		Message:   fmt.Sprintf("(#100) Invalid parameter %s: the budget is below the minimum of %s", param, shown),
		UserTitle: "Your Budget Is Too Low",
		UserMsg:   fmt.Sprintf("The minimum budget for this ad set is %s.", shown)}
}

// createAdSet serves POST /act_{id}/adsets.
func (s *Sandbox) createAdSet(c *call) (any, *apiError) {
	acct := s.account(c.Node)
	p := c.P
	set := &AdSet{AccountID: acct.ID, Name: p.str("name"), CampaignID: p.str("campaign_id"), Created: s.sim}
	if set.Name == "" {
		return nil, required("name")
	}
	if set.CampaignID == "" {
		return nil, required("campaign_id")
	}
	camp := s.st.campaigns[set.CampaignID]
	if camp == nil || camp.AccountID != acct.ID {
		return nil, notFound(set.CampaignID)
	}
	if camp.Status == "DELETED" {
		return nil, invalidParam("Param campaign_id names a deleted campaign")
	}
	for _, f := range []struct {
		name    string
		dst     *string
		allowed []string
	}{
		{"billing_event", &set.BillingEvent, billingEvents},
		{"optimization_goal", &set.OptimizationGoal, optimizationGoals},
		{"destination_type", &set.DestinationType, destinationTypes},
	} {
		if *f.dst = p.str(f.name); *f.dst == "" {
			return nil, required(f.name)
		}
		if e := oneOf(f.name, *f.dst, f.allowed...); e != nil {
			return nil, e
		}
	}
	var promoted struct {
		PageID json.RawMessage `json:"page_id"`
	}
	if e := p.decode("promoted_object", &promoted); e != nil {
		return nil, e
	}
	if set.PromotedPageID = rawID(promoted.PageID); set.PromotedPageID == "" && set.DestinationType == "MESSENGER" {
		return nil, required("promoted_object[page_id]")
	}
	if bid := p.str("bid_strategy"); bid != "" {
		if e := oneOf("bid_strategy", bid, bidStrategies...); e != nil {
			return nil, e
		}
	}
	var e *apiError
	if set.Targeting, e = s.adsetTargeting(c, acct.ID); e != nil {
		return nil, e
	}
	if e = s.adsetBudgetAndTimes(p, acct, set); e != nil {
		return nil, e
	}
	if set.PacingType, set.Schedule, e = adsetSchedule(p, set.LifetimeBudget > 0); e != nil {
		return nil, e
	}
	if set.Status, e = createStatus(p); e != nil {
		return nil, e
	}
	set.ID = s.newID("adset")
	s.st.adsets[set.ID] = set
	return map[string]any{"id": set.ID}, nil
}

// adsetTargeting reads and checks targeting: placements, custom audiences of the same account, and a
// location (checkGeo). The
// keys the sandbox models are checked; the whole accepted spec is kept as sent and read back whole, as
// Meta does (reference §3), so that facebook_positions, age_min, locales… survive a round trip.
func (s *Sandbox) adsetTargeting(c *call, accountID string) (Targeting, *apiError) {
	if !c.P.has("targeting") {
		return Targeting{}, required("targeting")
	}
	var whole map[string]json.RawMessage
	if e := c.P.decode("targeting", &whole); e != nil {
		return Targeting{}, e
	}
	if whole == nil {
		return Targeting{}, invalidParam("Param targeting must be a JSON object")
	}
	spec, err := json.Marshal(whole)
	if err != nil {
		return Targeting{}, invalidParam("Param targeting is not valid: %v", err)
	}
	var raw struct {
		CustomAudiences         flexRefs `json:"custom_audiences"`
		ExcludedCustomAudiences flexRefs `json:"excluded_custom_audiences"`
		GeoLocations            any      `json:"geo_locations"`
		PublisherPlatforms      []string `json:"publisher_platforms"`
		MessengerPositions      []string `json:"messenger_positions"`
	}
	if e := c.P.decode("targeting", &raw); e != nil {
		return Targeting{}, e
	}
	for _, pl := range raw.PublisherPlatforms {
		if e := oneOf("targeting[publisher_platforms]", pl, publisherPlatforms...); e != nil {
			return Targeting{}, e
		}
	}
	for _, pos := range raw.MessengerPositions {
		if e := oneOf("targeting[messenger_positions]", pos, messengerPositions...); e != nil {
			return Targeting{}, e
		}
		// The Messenger Stories placement is gone from v26.0 (reference §3).
		if m := versionRe.FindStringSubmatch(c.Version); pos == "story" && m != nil {
			if major, _ := strconv.Atoi(m[1]); major >= 26 {
				return Targeting{}, invalidParam("Param targeting[messenger_positions] value story is not available from v26.0")
			}
		}
	}
	if len(raw.MessengerPositions) > 0 && !slices.Contains(raw.PublisherPlatforms, "messenger") {
		return Targeting{}, invalidParam("Param targeting[messenger_positions] requires targeting[publisher_platforms] to include messenger")
	}
	for _, ref := range append(slices.Clone(raw.CustomAudiences), raw.ExcludedCustomAudiences...) {
		if a := s.st.audiences[ref.ID]; a == nil || a.AccountID != accountID {
			return Targeting{}, notFound(ref.ID)
		}
	}
	if e := checkGeo(raw.GeoLocations, len(raw.CustomAudiences) > 0); e != nil {
		return Targeting{}, e
	}
	return Targeting{CustomAudiences: raw.CustomAudiences, ExcludedCustomAudiences: raw.ExcludedCustomAudiences,
		GeoLocations: raw.GeoLocations, PublisherPlatforms: raw.PublisherPlatforms,
		MessengerPositions: raw.MessengerPositions, Spec: spec}, nil
}

// geoKeys are the keys of geo_locations that name a location (Meta's location targeting fields).
var geoKeys = []string{"countries", "regions", "cities", "zips", "geo_markets", "country_groups", "custom_locations",
	"places", "electoral_districts"}

// checkGeo checks geo_locations: countries are ISO 3166-1 alpha-2 codes, and a spec without any location is
// refused unless it includes a custom audience, with Meta's 100/1885364. Other location keys are kept as
// sent, unchecked.
func checkGeo(geo any, audiences bool) *apiError {
	located := false
	if geo != nil {
		m, ok := geo.(map[string]any)
		if !ok {
			return invalidParam("Param targeting[geo_locations] must be a JSON object")
		}
		for _, k := range geoKeys {
			if v, ok := m[k].([]any); ok && len(v) > 0 {
				located = true
			}
		}
		if raw, ok := m["countries"]; ok {
			list, ok := raw.([]any)
			if !ok {
				return invalidParam("Param targeting[geo_locations][countries] must be an array of country codes")
			}
			for i, v := range list {
				if code, _ := v.(string); !policy.IsCountry(code) {
					return &apiError{Status: http.StatusBadRequest, Code: 100, Subcode: 1487756, Type: "OAuthException",
						Message: fmt.Sprintf("(#100) Invalid parameter targeting[geo_locations][countries][%d]: %v is not a valid country code", i, v)}
				}
			}
		}
	}
	if !located && !audiences {
		return &apiError{Status: http.StatusBadRequest, Code: 100, Subcode: 1885364, Type: "OAuthException",
			Message: "Invalid parameter", UserTitle: "Missing Target Audience Location",
			UserMsg: "Your audience is missing a location. You can add a location or a Custom Audience."}
	}
	return nil
}

// adsetBudgetAndTimes checks exactly one budget, the times, and the currency's floor; it fills set.
func (s *Sandbox) adsetBudgetAndTimes(p params, acct *Account, set *AdSet) *apiError {
	for _, b := range []struct {
		name string
		dst  *int64
	}{{"daily_budget", &set.DailyBudget}, {"lifetime_budget", &set.LifetimeBudget}} {
		v, ok, e := p.int64(b.name)
		if e != nil {
			return e
		}
		if ok && v <= 0 {
			return invalidParam("Param %s must be a positive integer", b.name)
		}
		*b.dst = v
	}
	switch {
	case set.DailyBudget > 0 && set.LifetimeBudget > 0:
		return invalidParam("Only one of daily_budget and lifetime_budget can be set on an ad set")
	case set.DailyBudget == 0 && set.LifetimeBudget == 0:
		return invalidParam("The parameter daily_budget or lifetime_budget is required")
	}
	start, hasStart, e := adTime(p, "start_time")
	if e != nil {
		return e
	}
	if !hasStart {
		start = s.sim
	}
	end, hasEnd, e := adTime(p, "end_time")
	if e != nil {
		return e
	}
	switch {
	case set.LifetimeBudget > 0 && !hasEnd:
		return invalidParam("The parameter end_time is required with lifetime_budget")
	case hasEnd && !end.After(start):
		return invalidParam("Param end_time must be after start_time")
	case hasEnd && !end.After(s.sim):
		return invalidParam("Param end_time must be in the future")
	}
	set.StartTime, set.EndTime = start, end
	floor := adsetMinDailyBudget(acct.Currency)
	if set.DailyBudget > 0 && set.DailyBudget < floor {
		return budgetTooLow("daily_budget", floor, acct.Currency)
	}
	if set.LifetimeBudget > 0 {
		// A lifetime budget must cover the daily floor for every day of the flight.
		days := int64((end.Sub(start) + 24*time.Hour - 1) / (24 * time.Hour))
		if need := floor * max(days, 1); set.LifetimeBudget < need {
			return budgetTooLow("lifetime_budget", need, acct.Currency)
		}
	}
	return nil
}

// adsetSchedule checks dayparting: pacing_type ["day_parting"] with adset_schedule, lifetime budgets only,
// whole hours (reference §3).
func adsetSchedule(p params, lifetime bool) ([]string, []ScheduleBlock, *apiError) {
	pacing := p.list("pacing_type")
	for _, pt := range pacing {
		if e := oneOf("pacing_type", pt, pacingTypes...); e != nil {
			return nil, nil, e
		}
	}
	var sched []ScheduleBlock
	if e := p.decode("adset_schedule", &sched); e != nil {
		return nil, nil, e
	}
	dayParting := slices.Contains(pacing, "day_parting")
	switch {
	case len(sched) == 0 && dayParting:
		return nil, nil, invalidParam("Param pacing_type day_parting requires adset_schedule")
	case len(sched) == 0:
		return pacing, nil, nil
	case !lifetime:
		return nil, nil, invalidParam("Param adset_schedule is only available with a lifetime_budget")
	case !dayParting:
		return nil, nil, invalidParam(`Param pacing_type must be ["day_parting"] with adset_schedule`)
	}
	for i := range sched {
		b := &sched[i]
		switch {
		case b.StartMinute%60 != 0 || b.EndMinute%60 != 0:
			return nil, nil, invalidParam("Param adset_schedule[%d]: start_minute and end_minute must be whole hours (multiples of 60)", i)
		case b.StartMinute < 0 || b.EndMinute > 1440 || b.StartMinute >= b.EndMinute:
			return nil, nil, invalidParam("Param adset_schedule[%d]: start_minute must be before end_minute, within 0..1440", i)
		case len(b.Days) == 0:
			return nil, nil, invalidParam("Param adset_schedule[%d]: days is required", i)
		}
		for _, d := range b.Days {
			if d < 0 || d > 6 {
				return nil, nil, invalidParam("Param adset_schedule[%d]: days must be 0 (Sunday) to 6", i)
			}
		}
		if b.TimezoneType == "" {
			b.TimezoneType = "USER"
		}
		if e := oneOf(fmt.Sprintf("adset_schedule[%d][timezone_type]", i), b.TimezoneType, timezoneTypes...); e != nil {
			return nil, nil, e
		}
	}
	return pacing, sched, nil
}

// updateAdSet applies budget, end time, schedule and targeting changes of POST /{adset_id}, checked as on create: the
// budget kind cannot change, floors hold, dayparting needs a lifetime budget. Nothing changes on an error.
func (s *Sandbox) updateAdSet(c *call, set *AdSet) *apiError {
	p := c.P
	if set.Status == "DELETED" || set.Status == "ARCHIVED" {
		return invalidParam("Param status: a deleted or archived ad set cannot be changed")
	}
	next := *set
	if p.has("targeting") {
		t, e := s.adsetTargeting(c, set.AccountID)
		if e != nil {
			return e
		}
		next.Targeting = t
	}
	for _, b := range []struct {
		name string
		dst  *int64
		cur  int64
	}{{"daily_budget", &next.DailyBudget, set.DailyBudget}, {"lifetime_budget", &next.LifetimeBudget, set.LifetimeBudget}} {
		v, ok, e := p.int64(b.name)
		switch {
		case e != nil:
			return e
		case !ok:
			continue
		case v <= 0:
			return invalidParam("Param %s must be a positive integer", b.name)
		case b.cur == 0:
			return invalidParam("Param %s: an ad set cannot switch between a daily and a lifetime budget", b.name)
		}
		*b.dst = v
	}
	if end, ok, e := adTime(p, "end_time"); e != nil {
		return e
	} else if ok {
		if !end.After(next.StartTime) || !end.After(s.sim) {
			return invalidParam("Param end_time must be after start_time and in the future")
		}
		next.EndTime = end
	}
	acct := s.account(set.AccountID)
	floor := adsetMinDailyBudget(acct.Currency)
	if next.DailyBudget > 0 && next.DailyBudget < floor {
		return budgetTooLow("daily_budget", floor, acct.Currency)
	}
	if next.LifetimeBudget > 0 {
		days := int64((next.EndTime.Sub(next.StartTime) + 24*time.Hour - 1) / (24 * time.Hour))
		if need := floor * max(days, 1); next.LifetimeBudget < need {
			return budgetTooLow("lifetime_budget", need, acct.Currency)
		}
	}
	if p.has("adset_schedule") {
		pacing, sched, e := adsetSchedule(p, next.LifetimeBudget > 0)
		if e != nil {
			return e
		}
		next.PacingType, next.Schedule = pacing, sched
	}
	if next.DailyBudget != set.DailyBudget || next.LifetimeBudget != set.LifetimeBudget {
		next.BudgetEdits = append(slices.Clone(set.BudgetEdits), s.sim)
	}
	*set = next
	return nil
}
