package campaigns

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"relance/policy"
)

// Limits, as Meta applies them (reference §2–§3 and the Send API's documented limits). Where Meta gives no
// number relance's own choice is marked.
const (
	maxName           = 400            // Meta's campaign and ad set name limit
	maxText           = 2000           // Send API text message
	maxButtonText     = 640            // button template text
	maxCardTitle      = 80             // generic template title: the text of a message with an image and buttons
	maxQuickReplies   = 13             // Send API
	maxQRTitle        = 20             // quick reply title
	maxButtons        = 3              // button and generic templates
	maxButtonTitle    = 20             // button title
	maxPayload        = 1000           // postback and quick reply payload
	maxURL            = 2000           // relance's choice: a web_url or image URL longer than this is a mistake
	maxGreeting       = 300            // welcome message greeting (reference §3: "80/300")
	maxIceBreakers    = 4              // Messenger ice breakers
	maxQuestion       = 80             // ice breaker question (reference §3)
	maxVariants       = 5              // relance's choice: an A/B test of more arms never reaches significance
	maxVariantKey     = 20             // relance's choice
	maxAudiences      = 20             // relance's choice, per include and per exclude
	maxWindows        = 28             // relance's choice: four windows a day for a week
	maxRef            = 250            // m.me ref parameter
	maxHoldout        = 50             // DESIGN §5
	lifetimeMinFlight = 24 * time.Hour // Meta wants a lifetime-budget ad set to run at least a day
)

// refChars are the characters DESIGN §5 allows in an m.me ref (Meta's referral refs: alphanumerics, -, _, =,
// plus the + / . : a ref split into key=value parts needs).
func refChar(r rune) bool {
	return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("+/=-.:_", r))
}

// ValidRef reports whether s may be an m.me ref: 1 to 250 of the allowed characters.
func ValidRef(s string) bool {
	if s == "" || len(s) > maxRef {
		return false
	}
	for _, r := range s {
		if !refChar(r) {
			return false
		}
	}
	return true
}

// errs collects field errors by JSON path; the first reason per path wins.
type errs map[string]string

func (e errs) add(path, reason string) {
	if _, ok := e[path]; !ok {
		e[path] = reason
	}
}

// text checks a free text: required or not, valid UTF-8, no control characters but newlines, at most max runes.
func (e errs) text(path, s string, max int, required bool) {
	switch {
	case strings.TrimSpace(s) == "" && required:
		e.add(path, "is required")
	case !utf8.ValidString(s):
		e.add(path, "must be valid UTF-8 text")
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0:
		e.add(path, "must not contain control characters")
	case utf8.RuneCountInString(s) > max:
		e.add(path, fmt.Sprintf("must be at most %d characters", max))
	}
}

// link checks an absolute http(s) URL.
func (e errs) link(path, s string, required bool) {
	if s == "" {
		if required {
			e.add(path, "is required")
		}
		return
	}
	u, err := url.Parse(s)
	switch {
	case len(s) > maxURL:
		e.add(path, fmt.Sprintf("must be at most %d characters", maxURL))
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		e.add(path, "must be an absolute http or https URL")
	}
}

// env is what validation needs to know about the brand: its Pages, ad accounts and audiences, its zone
// and settings, the clock, and the cron parser.
type env struct {
	currency, timezone string
	pages, adAccounts  map[string]bool
	audiences          map[string]bool
	now                time.Time
	nextRun            func(spec, tz string, after time.Time) (time.Time, error)
}

// validate checks a whole campaign as Meta would, every field at once.
func validate(c *Campaign, v env) errs {
	e := errs{}
	e.text("name", c.Name, maxName, true)
	if !slices.Contains(Kinds, c.Kind) {
		e.add("kind", "must be one of "+strings.Join(Kinds, ", "))
	}
	ads := IsAds(c.Kind)
	switch {
	case c.PageID == "":
		e.add("page_id", "is required")
	case !v.pages[c.PageID]:
		e.add("page_id", "is not a Page connected to the brand")
	}
	switch {
	case c.AdAccountID == "" && ads:
		e.add("ad_account_id", "is required for an ads campaign")
	case c.AdAccountID != "" && !v.adAccounts[c.AdAccountID]:
		e.add("ad_account_id", "is not one of the brand's ad accounts")
	}
	switch {
	case ads && c.Objective == "":
		e.add("objective", "is required for an ads campaign: one of "+strings.Join(Objectives, ", "))
	case ads && !slices.Contains(Objectives, c.Objective):
		e.add("objective", "must be one of "+strings.Join(Objectives, ", "))
	case !ads && c.Objective != "":
		e.add("objective", "only ads campaigns have an objective")
	}
	validateFlight(e, c, v)
	validateBudget(e, c, ads)
	validateSchedule(e, c, v, ads)
	validateAudiences(e, c, v)
	validateTargeting(e, c, ads)
	validateVariants(e, c, ads)
	if c.HoldoutPercent < 0 || c.HoldoutPercent > maxHoldout {
		e.add("holdout_percent", fmt.Sprintf("must be from 0 to %d", maxHoldout))
	}
	if !c.FrequencyCap.Default {
		if c.FrequencyCap.Messages < 1 || c.FrequencyCap.Messages > 100 {
			e.add("frequency_cap.messages", "must be from 1 to 100")
		}
		if c.FrequencyCap.Days < 1 || c.FrequencyCap.Days > 365 {
			e.add("frequency_cap.days", "must be from 1 to 365")
		}
	}
	if c.Ref != "" && !ValidRef(c.Ref) {
		e.add("ref", fmt.Sprintf("must be at most %d letters, digits or + / = - . : _", maxRef))
	}
	return e
}

func validateFlight(e errs, c *Campaign, v env) {
	if c.StartsAt != nil && c.EndsAt != nil && !c.EndsAt.After(*c.StartsAt) {
		e.add("ends_at", "must be after starts_at")
	}
}

func validateBudget(e errs, c *Campaign, ads bool) {
	b := c.Budget
	if b == nil {
		if ads {
			e.add("budget", "is required for an ads campaign")
		}
		return
	}
	if b.Period != PeriodDaily && b.Period != PeriodLifetime {
		e.add("budget.period", "must be daily or lifetime")
		return
	}
	if b.Minor <= 0 {
		e.add("budget.amount", "must be more than zero") // a parse error, recorded first, wins
		return
	}
	floor := MinDailyBudget(b.Currency)
	if b.Period == PeriodLifetime {
		if c.EndsAt == nil {
			e.add("ends_at", "is required with a lifetime budget")
			return
		}
		start := c.CreatedAt
		if c.StartsAt != nil {
			start = *c.StartsAt
		}
		flight := c.EndsAt.Sub(start)
		if ads && flight < lifetimeMinFlight {
			e.add("ends_at", "must be at least 24 hours after starts_at with a lifetime budget")
			return
		}
		days := int64((flight + 24*time.Hour - 1) / (24 * time.Hour))
		floor *= max(days, 1)
	}
	if b.Minor < floor {
		e.add("budget.amount", fmt.Sprintf("must be at least %s %s (Meta's minimum of about 1 USD a day for the flight)",
			FormatAmount(floor, b.Currency), b.Currency))
	}
}

func validateSchedule(e errs, c *Campaign, v env, ads bool) {
	s := c.Schedule
	switch {
	case !ads && s.SendCron == "":
		e.add("schedule.send_cron", "is required for sponsored messages")
	case ads && s.SendCron != "":
		e.add("schedule.send_cron", "only sponsored messages have send slots; ads use active windows")
	case s.SendCron != "":
		if _, err := v.nextRun(s.SendCron, v.timezone, v.now); err != nil {
			e.add("schedule.send_cron", strings.TrimPrefix(err.Error(), "scheduler: "))
		}
	}
	if !ads && len(s.Active) > 0 {
		e.add("schedule.active", "only ads campaigns have active windows")
		return
	}
	if len(s.Active) > maxWindows {
		e.add("schedule.active", fmt.Sprintf("must have at most %d windows", maxWindows))
		return
	}
	lifetime := c.Budget != nil && c.Budget.Period == PeriodLifetime
	for i, w := range s.Active {
		p := fmt.Sprintf("schedule.active[%d]", i)
		if _, err := v.nextRun(w.Cron, v.timezone, v.now); err != nil {
			e.add(p+".cron", strings.TrimPrefix(err.Error(), "scheduler: "))
		} else if fields := strings.Fields(w.Cron); lifetime && (len(fields) != 5 || fields[0] != "0") {
			// Meta's adset_schedule carries lifetime-budget dayparting in whole hours.
			e.add(p+".cron", "must start on the hour (minute field 0) with a lifetime budget: Meta schedules whole hours")
		}
		switch {
		case w.Minutes < 1 || w.Minutes > 7*24*60:
			e.add(p+".minutes", "must be from 1 to 10080 (a week)")
		case lifetime && w.Minutes%60 != 0:
			e.add(p+".minutes", "must be whole hours (a multiple of 60) with a lifetime budget")
		}
	}
}

func validateAudiences(e errs, c *Campaign, v env) {
	if c.Kind == KindSponsoredMessage && len(c.Audiences.Include) == 0 {
		e.add("audiences.include", "needs at least one audience: sponsored messages go to existing threads")
	}
	seen := map[string]string{}
	for _, side := range []struct {
		name string
		ids  []string
	}{{"include", c.Audiences.Include}, {"exclude", c.Audiences.Exclude}} {
		if len(side.ids) > maxAudiences {
			e.add("audiences."+side.name, fmt.Sprintf("must have at most %d audiences", maxAudiences))
			continue
		}
		for i, id := range side.ids {
			p := fmt.Sprintf("audiences.%s[%d]", side.name, i)
			switch {
			case !v.audiences[id]:
				e.add(p, "is not one of the brand's audiences")
			case seen[id] == side.name:
				e.add(p, "is listed twice")
			case seen[id] != "":
				e.add(p, "is both included and excluded")
			}
			seen[id] = side.name
		}
	}
}

// validateTargeting checks the countries against ISO 3166-1 alpha-2; an ads campaign needs a location or an
// included audience, as Meta does (100/1885364), and the default (the brand's country) may not exist.
func validateTargeting(e errs, c *Campaign, ads bool) {
	t := c.Targeting
	switch {
	case !ads && len(t.Countries) > 0:
		e.add("targeting.countries", "only ads campaigns are targeted by location; sponsored messages go to the audiences' existing threads")
		return
	case ads && len(t.Countries) == 0 && len(c.Audiences.Include) == 0:
		e.add("targeting.countries", "needs at least one country (or an included audience): Meta refuses an ad set without a location, "+
			"and the brand's time zone names no country to default to")
		return
	}
	seen := map[string]bool{}
	for i, code := range t.Countries {
		p := fmt.Sprintf("targeting.countries[%d]", i)
		switch {
		case !policy.IsCountry(code):
			e.add(p, "must be an ISO 3166-1 alpha-2 country code such as FR or US")
		case seen[code]:
			e.add(p, "is listed twice")
		}
		seen[code] = true
	}
}

func validateVariants(e errs, c *Campaign, ads bool) {
	n := len(c.Variants)
	if n == 0 || n > maxVariants {
		e.add("variants", fmt.Sprintf("must have from 1 to %d variants", maxVariants))
		return
	}
	keys, sum := map[string]bool{}, 0
	for i, v := range c.Variants {
		p := fmt.Sprintf("variants[%d]", i)
		switch {
		case v.Key == "" || len(v.Key) > maxVariantKey || strings.IndexFunc(v.Key, func(r rune) bool {
			return r >= utf8.RuneSelf || !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_')
		}) >= 0:
			e.add(p+".key", fmt.Sprintf("must be 1 to %d letters, digits, - or _", maxVariantKey))
		case keys[v.Key]:
			e.add(p+".key", "is used by another variant")
		}
		keys[v.Key] = true
		// 0 is a variant kept for its history that gets no more sends (what applying an A/B winner leaves).
		if v.Weight < 0 || v.Weight > 100 {
			e.add(p+".weight", "must be from 0 to 100")
		}
		sum += v.Weight
		validateCreative(e, p+".creative", v.Creative, ads)
	}
	if _, bad := e["variants[0].weight"]; !bad && sum != 100 {
		e.add("variants", fmt.Sprintf("weights must add up to 100, not %d", sum))
	}
}

func validateCreative(e errs, p string, cr Creative, ads bool) {
	limit := maxText
	switch {
	case len(cr.Buttons) > 0 && cr.ImageURL != "":
		limit = maxCardTitle // sent as a generic template: the text is its title
	case len(cr.Buttons) > 0:
		limit = maxButtonText
	}
	e.text(p+".text", cr.Text, limit, true)
	e.link(p+".image_url", cr.ImageURL, false)
	if len(cr.QuickReplies) > maxQuickReplies {
		e.add(p+".quick_replies", fmt.Sprintf("must have at most %d quick replies", maxQuickReplies))
	}
	for i, q := range cr.QuickReplies {
		if i >= maxQuickReplies {
			break
		}
		qp := fmt.Sprintf("%s.quick_replies[%d]", p, i)
		e.text(qp+".title", q.Title, maxQRTitle, true)
		e.text(qp+".payload", q.Payload, maxPayload, true)
	}
	if ads && len(cr.Buttons) > 0 {
		e.add(p+".buttons", "ads open a conversation with their own call to action; buttons belong to sponsored messages")
	} else if len(cr.Buttons) > maxButtons {
		e.add(p+".buttons", fmt.Sprintf("must have at most %d buttons", maxButtons))
	} else {
		for i, b := range cr.Buttons {
			bp := fmt.Sprintf("%s.buttons[%d]", p, i)
			e.text(bp+".title", b.Title, maxButtonTitle, true)
			switch b.Type {
			case "postback":
				e.text(bp+".payload", b.Payload, maxPayload, true)
				if b.URL != "" {
					e.add(bp+".url", "a postback button has a payload, not a url")
				}
			case "web_url":
				e.link(bp+".url", b.URL, true)
				if b.Payload != "" {
					e.add(bp+".payload", "a web_url button has a url, not a payload")
				}
			default:
				e.add(bp+".type", "must be postback or web_url")
			}
		}
	}
	w := cr.Welcome
	switch {
	case w == nil:
	case !ads:
		e.add(p+".welcome", "only ads campaigns have a welcome message")
	default:
		e.text(p+".welcome.greeting", w.Greeting, maxGreeting, true)
		if n := len(w.IceBreakers); n == 0 || n > maxIceBreakers {
			e.add(p+".welcome.ice_breakers", fmt.Sprintf("must have from 1 to %d ice breakers", maxIceBreakers))
		}
		for i, ib := range w.IceBreakers {
			if i >= maxIceBreakers {
				break
			}
			ip := fmt.Sprintf("%s.welcome.ice_breakers[%d]", p, i)
			e.text(ip+".question", ib.Question, maxQuestion, true)
			e.text(ip+".payload", ib.Payload, maxPayload, true)
		}
	}
}
