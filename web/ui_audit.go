package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// auditView is the audit log screen: filters, one page of entries, and the link to the next page.
type auditView struct {
	Entries  []tenancy.AuditEntry
	Filter   map[string]string
	Errors   map[string]string
	NextURL  string
	Brands   []tenancy.Brand
	BrandMap map[string]string
	Actions  []string
}

// auditPage shows the audit log with filters (GET /audit); htmx swaps only the table when a filter changes.
func (s *Server) auditPage(c *fiber.Ctx) error {
	v := auditView{Filter: map[string]string{}, Actions: tenancy.AuditFamilies(), BrandMap: map[string]string{}}
	for _, k := range []string{"action", "actor_id", "brand_id", "object_id", "since", "until"} {
		v.Filter[k] = c.Query(k)
	}
	var err error
	if v.Brands, err = s.allBrands(c); err != nil {
		return err
	}
	for _, b := range v.Brands {
		v.BrandMap[b.ID] = b.Name
	}
	f, ferr := auditFilter(c)
	if fv, ok := asValidation(ferr); ok {
		v.Errors = fv.Fields
		c.Status(fiber.StatusUnprocessableEntity)
	} else {
		cur, err := cursorOf(c)
		if err != nil {
			return err
		}
		cur.Limit = 50
		var next string
		if v.Entries, next, err = s.tenantStore(c).Audit(c.UserContext(), f, cur); err != nil {
			return err
		}
		if next != "" {
			q := url.Values{}
			for k, val := range v.Filter {
				if val != "" {
					q.Set(k, val)
				}
			}
			q.Set("cursor", next)
			v.NextURL = "/audit?" + q.Encode()
		}
	}
	if c.Get("HX-Target") == "audit-rows" {
		return s.renderPart(c, "audit_rows", v)
	}
	return s.renderPage(c, "audit", "Audit log", v)
}
