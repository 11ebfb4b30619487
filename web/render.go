package web

import (
	"html/template"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

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
}

// nav says which menu entries the user may open (the rules are checked again by authorize).
type nav struct {
	Brands, Users, Audit bool
}

const flashCookie = "relance_flash"

// flash leaves a one-line message for the next page (after a redirect).
func (s *Server) flash(c *fiber.Ctx, msg string) {
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: msg, Path: "/", HTTPOnly: true, Secure: s.SecureCookies,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: 60})
}

// renderPage renders a screen inside the main layout; data is the screen's own view.
func (s *Server) renderPage(c *fiber.Ctx, name, title string, data any) error {
	l := layout{Title: title, Active: strings.SplitN(strings.TrimPrefix(c.Path(), "/"), "/", 2)[0]}
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
			Audit: az.Can(p.TenantID, u.ID, "", tenancy.PermAuditRead)}
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

// templateFuncs are the helpers templates may call.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
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
	}
}
