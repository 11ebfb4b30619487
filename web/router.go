package web

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// Scope says where a route's permission is checked.
type Scope int

// Scopes, from open to narrow.
const (
	// Public routes need no login (login page, probes, static files, webhooks).
	Public Scope = iota
	// Self routes need a logged-in user and act on that user only (dashboard, password, own tokens).
	Self
	// Tenant routes need the permission agency-wide.
	Tenant
	// AnyBrand routes need the permission agency-wide or on at least one brand; the handler filters.
	AnyBrand
	// Brand routes act on the :brand in the path: the brand must be the tenant's (else 404) and the user
	// must hold the permission agency-wide or on that brand (else 403).
	Brand
)

// String names the scope in test output and the OpenAPI document.
func (s Scope) String() string {
	return [...]string{"public", "self", "tenant", "any-brand", "brand"}[s]
}

// Rule is the access rule of one route.
type Rule struct {
	Scope Scope
	Perm  string
}

// route is one entry of the route table: method, path, rule, handler, and its API description.
type route struct {
	Method  string
	Path    string
	Rule    Rule
	Handler fiber.Handler
	// API describes /api/v1 routes for the OpenAPI document.
	API *apiDoc
}

// ruleFor returns the rule of a route of the table.
func (s *Server) ruleFor(method, path string) (Rule, bool) {
	r, ok := s.rules[method+" "+path]
	return r, ok
}

// refuseUnruledRoute stops the start when a route is registered without a rule in the table: a route without
// a rule must not exist, rather than exist and be open. It is hooked after the global middleware (app.Use)
// is in place, so it sees routes only.
func (s *Server) refuseUnruledRoute(r fiber.Route) error {
	if _, ok := s.ruleFor(r.Method, r.Path); !ok {
		return fmt.Errorf("web: route %s %s has no access rule", r.Method, r.Path)
	}
	return nil
}

// errForbidden is returned when the rule denies; errUnauthenticated when a login is needed.
var (
	errForbidden       = fiber.NewError(fiber.StatusForbidden, "you do not have access to this")
	errUnauthenticated = fiber.NewError(fiber.StatusUnauthorized, "log in or send an API token")
)

// authorize is the one authorization middleware: every route runs it first with its rule. It checks the
// principal against the rule and, for Brand routes, loads the brand within the principal's tenant.
func (s *Server) authorize(r route) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if r.Rule.Scope == Public {
			return c.Next()
		}
		p := principalOf(c)
		if p == nil {
			s.metrics.denied.WithLabelValues("unauthenticated").Inc()
			return errUnauthenticated
		}
		if p.viaSession() && p.User.MustChangePassword && !passwordExempt(r.Path) {
			if isAPI(c) {
				return fiber.NewError(fiber.StatusForbidden, "change the one-time password first")
			}
			return c.Redirect("/account/password")
		}
		az := s.Store.Authz()
		switch r.Rule.Scope {
		case Self:
		case Tenant:
			if !az.Can(p.TenantID, p.User.ID, "", r.Rule.Perm) {
				return s.deny(c, "tenant")
			}
		case AnyBrand:
			all, ids := az.Brands(p.TenantID, p.User.ID, r.Rule.Perm)
			if !all && len(ids) == 0 {
				return s.deny(c, "any-brand")
			}
		case Brand:
			b, err := s.Store.Tenant(p.TenantID).Brand(c.UserContext(), c.Params("brand"))
			if errors.Is(err, tenancy.ErrNotFound) {
				s.metrics.denied.WithLabelValues("brand-not-found").Inc()
				return fiber.NewError(fiber.StatusNotFound, "no such brand")
			}
			if err != nil {
				return err
			}
			if !az.Can(p.TenantID, p.User.ID, b.ID, r.Rule.Perm) {
				return s.deny(c, "brand")
			}
			c.Locals(localBrand, b)
		default:
			return s.deny(c, "no-rule")
		}
		if !p.viaToken() && !isSafeMethod(c.Method()) {
			if err := s.checkCSRF(c, p); err != nil {
				return err
			}
		}
		return c.Next()
	}
}

func (s *Server) deny(c *fiber.Ctx, reason string) error {
	s.metrics.denied.WithLabelValues(reason).Inc()
	return errForbidden
}

// passwordExempt lists what a user with a one-time password may still reach.
func passwordExempt(path string) bool {
	return path == "/account/password" || path == "/logout"
}

func isSafeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

func isAPI(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }

// localBrand is the Locals key of the brand loaded by authorize.
const localBrand = "brand"

// brandOf returns the brand authorize loaded for a Brand route.
func brandOf(c *fiber.Ctx) tenancy.Brand {
	b, _ := c.Locals(localBrand).(tenancy.Brand)
	return b
}
