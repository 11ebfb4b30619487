package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// auditFilter reads the audit filters shared by the API and the screen; since/until are RFC 3339 or dates.
func auditFilter(c *fiber.Ctx) (tenancy.AuditFilter, error) {
	f := tenancy.AuditFilter{Action: c.Query("action"), ActorID: c.Query("actor_id"), BrandID: c.Query("brand_id"),
		ObjectID: c.Query("object_id")}
	bad := map[string]string{}
	for _, k := range []string{"action", "actor_id", "brand_id", "object_id"} {
		if v := c.Query(k); !plainText(v) || len(v) > 200 {
			bad[k] = "must be plain text of at most 200 characters"
		}
	}
	if a := c.Query("action"); a != "" && !knownAction(a) {
		bad["action"] = "must be an action or a family of the audit log: " + strings.Join(tenancy.AuditFamilies(), ", ")
	}
	parse := func(key string, end bool) time.Time {
		v := c.Query(key)
		if v == "" {
			return time.Time{}
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t
		}
		if d, err := time.Parse("2006-01-02", v); err == nil {
			if end {
				return d.AddDate(0, 0, 1)
			}
			return d
		}
		bad[key] = "must be a date (2006-01-02) or an RFC 3339 time"
		return time.Time{}
	}
	f.Since, f.Until = parse("since", false), parse("until", true)
	if len(bad) > 0 {
		return f, &tenancy.ValidationError{Fields: bad}
	}
	return f, nil
}

// knownAction reports whether a filter names a registered action or family: a typo would otherwise list nothing.
func knownAction(a string) bool {
	for _, x := range append(tenancy.AuditActions(), tenancy.AuditFamilies()...) {
		if x == a {
			return true
		}
	}
	return false
}

// apiAudit answers GET /api/v1/audit.
func (s *Server) apiAudit(c *fiber.Ctx) error {
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	cur, err := cursorOf(c)
	if err != nil {
		return err
	}
	rows, next, err := s.tenantStore(c).Audit(c.UserContext(), f, cur)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []tenancy.AuditEntry{}
	}
	return c.JSON(listBody{Data: rows, NextCursor: next})
}
