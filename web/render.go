package web

import (
	"fmt"
	"html"
	"html/template"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/conversations/nlp"
	"relance/tenancy"
)

// layout is what the page frame needs: who is logged in, which sections to show, the CSRF token.
type layout struct {
	Title  string
	User   *tenancy.User
	Tenant string
	CSRF   string
	Nav    nav
	Flash  string
	Active string
	// Locale is how numbers and money are written ("en", "fr"); Zone is the viewer's IANA zone, for times
	// that belong to no brand (format.go).
	Locale, Zone string
	// Back is the current page, where the locale selector returns.
	Back string
}

// nav says which menu entries the user may open (the rules are checked again by authorize).
type nav struct {
	Brands, Users, Audit, Settings bool
	// Campaigns lists campaigns across brands; Approvals is the approval inbox (brand and agency admins).
	Campaigns, Approvals bool
	// Money is the finance and exchange-rates screens (spend:read).
	Money bool
	// Reports is the reports screen (reports:read agency-wide or on a brand).
	Reports bool
}

const flashCookie = "relance_flash"

// flash leaves a one-line message for the next page (after a redirect).
func (s *Server) flash(c *fiber.Ctx, msg string) {
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: msg, Path: "/", HTTPOnly: true, Secure: s.SecureCookies,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: 60})
}

// renderPage renders a screen inside the main layout; data is the screen's own view.
func (s *Server) renderPage(c *fiber.Ctx, name, title string, data any) error {
	l := layout{Title: title, Active: strings.SplitN(strings.TrimPrefix(c.Path(), "/"), "/", 2)[0],
		Locale: requestLocale(c), Zone: requestZone(c), Back: "/"}
	if c.Method() == fiber.MethodGet && c.Response().StatusCode() < 400 {
		// Not on error pages: a refused URL (another brand's id) must not be echoed back.
		l.Back = safeNext(c.OriginalURL())
	}
	if p := principalOf(c); p != nil && p.viaSession() {
		u := p.User
		l.User = &u
		l.CSRF = p.Session.CSRFToken
		if t, err := s.Store.TenantByID(c.UserContext(), p.TenantID); err == nil {
			l.Tenant = t.Name
		}
		az := s.Store.Authz()
		all, ids := az.Brands(p.TenantID, u.ID, tenancy.PermBrandsRead)
		l.Nav = nav{Brands: all || len(ids) > 0, Users: az.Can(p.TenantID, u.ID, "", tenancy.PermUsersManage),
			Audit: az.Can(p.TenantID, u.ID, "", tenancy.PermAuditRead), Settings: az.Can(p.TenantID, u.ID, "", tenancy.PermSettingsWrite)}
		call, cids := az.Brands(p.TenantID, u.ID, tenancy.PermCampaignsRead)
		aall, aids := az.Brands(p.TenantID, u.ID, tenancy.PermCampaignsApprove)
		l.Nav.Campaigns, l.Nav.Approvals = call || len(cids) > 0, aall || len(aids) > 0
		l.Nav.Money = az.Can(p.TenantID, u.ID, "", tenancy.PermSpendRead)
		rall, rids := az.Brands(p.TenantID, u.ID, tenancy.PermReportsRead)
		l.Nav.Reports = rall || len(rids) > 0
	}
	if f := c.Cookies(flashCookie); f != "" {
		l.Flash = f
		c.Cookie(&fiber.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0)})
	}
	if c.Get("HX-Request") != "" && c.Get("HX-Boosted") == "" {
		return c.Render(name, fiber.Map{"L": l, "D": data})
	}
	return c.Render(name, fiber.Map{"L": l, "D": data}, "layouts/main")
}

// renderPart renders a fragment without the layout (an htmx swap, a polled line); the fragment still gets
// the locale and zone as .L.
func (s *Server) renderPart(c *fiber.Ctx, name string, data any) error {
	return c.Render(name, fiber.Map{"L": layout{Locale: requestLocale(c), Zone: requestZone(c)}, "D": data})
}

// templateFuncs are the helpers templates may call.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		// pathEscape makes a label one path segment (a "/" in it must not start another).
		"pathEscape": url.PathEscape,
		// ts writes a time in UTC; screens use when, whenShort or ago, which show a zone and keep UTC on hover.
		"ts": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return "—"
				}
				return v.UTC().Format("2006-01-02 15:04 UTC")
			case *time.Time:
				if v == nil || v.IsZero() {
					return "never"
				}
				return v.UTC().Format("2006-01-02 15:04 UTC")
			}
			return ""
		},
		"roleLabel": func(r string) string { return strings.ReplaceAll(r, "_", " ") },
		"tsIn":      tsIn,
		"tsShort":   tsShort,
		"rfc3339":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"countdown": func(t time.Time) string { return countdown(time.Until(t)) },
		"list":      func(s ...string) []string { return s },
		// when, whenShort and ago write a <time> in a zone (UTC on hover); num and money follow .L.Locale.
		"when":        when,
		"whenShort":   whenShort,
		"ago":         ago,
		"zoneAbbr":    zoneAbbr,
		"num":         formatNumber,
		"money":       formatMoney,
		"locales":     func() []string { return localeCodes },
		"localeLabel": func(code string) string { return localeFor(code).label },
		"highlight":   highlight,
		"reasonIn":    reasonIn,
		// dict passes several values to a template block: dict "K1" v1 "K2" v2.
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				if k, ok := kv[i].(string); ok {
					m[k] = kv[i+1]
				}
			}
			return m
		},
	}
}

// tsIn formats a time in a brand's zone (times are stored in UTC and shown where the brand lives).
func tsIn(t any, tz string) string {
	var v time.Time
	switch x := t.(type) {
	case time.Time:
		v = x
	case *time.Time:
		if x == nil {
			return "—"
		}
		v = *x
	}
	if v.IsZero() {
		return "—"
	}
	return v.In(zone(tz)).Format("2006-01-02 15:04 MST")
}

// tsShort formats a time compactly in a brand's zone for dense tables ("25 Nov 13:20"; the year when it is
// not the current one).
func tsShort(t any, tz string) string {
	full := tsIn(t, tz)
	if full == "—" {
		return full
	}
	v, _ := time.Parse("2006-01-02 15:04", full[:16])
	if v.Year() != time.Now().Year() {
		return v.Format("2 Jan 2006")
	}
	return v.Format("2 Jan 15:04")
}

// countdown says how long until a reachability class lapses ("in 3 h 12 min"); app.js keeps it current.
func countdown(d time.Duration) string {
	switch {
	case d <= 0:
		return "lapsed"
	case d < time.Hour:
		return fmt.Sprintf("%d min left", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %02d min left", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%d days left", int(d.Hours()/24))
}

// highlight escapes a message text and marks the entity values found in it.
func highlight(text string, entities []nlp.Entity) template.HTML {
	lower := strings.ToLower(text)
	type span struct{ from, to int }
	var spans []span
	for _, e := range entities {
		v := strings.ToLower(strings.TrimSpace(e.Value))
		if len(v) < 2 || e.Value == nlp.TraitTrue {
			continue
		}
		if i := strings.Index(lower, v); i >= 0 && len(lower) == len(text) {
			spans = append(spans, span{i, i + len(v)})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].from < spans[j].from })
	var b strings.Builder
	pos := 0
	for _, s := range spans {
		if s.from < pos {
			continue
		}
		b.WriteString(html.EscapeString(text[pos:s.from]))
		b.WriteString("<mark>" + html.EscapeString(text[s.from:s.to]) + "</mark>")
		pos = s.to
	}
	b.WriteString(html.EscapeString(text[pos:]))
	return template.HTML(b.String())
}
