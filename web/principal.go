package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// principal is who is calling: a user, through a browser session or an API token.
type principal struct {
	User     tenancy.User
	TenantID string
	// Session is set for browser requests; SessionHash names it for "end my other sessions".
	Session *tenancy.Session
	// Token is set for API requests with a bearer token.
	Token *tenancy.APIToken
}

func (p *principal) viaSession() bool { return p.Session != nil }
func (p *principal) viaToken() bool   { return p.Token != nil }

const localPrincipal = "principal"

// principalOf returns the authenticated caller, or nil.
func principalOf(c *fiber.Ctx) *principal {
	p, _ := c.Locals(localPrincipal).(*principal)
	return p
}
