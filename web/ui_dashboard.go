package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// dashboardView holds the counts on the home screen; a count is nil when the user may not see it.
type dashboardView struct {
	Brands   int64
	Pages    *int64
	Users    *int64
	Tokens   int
	Recent   []tenancy.AuditEntry
	CanAudit bool
	CanNew   bool
	// Overview is the spend and results of the brands the user may read reports of; nil when none.
	Overview      *overviewView
	OverviewTitle string
}

// dashboard shows what the agency has in relance (GET /).
func (s *Server) dashboard(c *fiber.Ctx) error {
	ctx, p := c.UserContext(), principalOf(c)
	ts, az := s.tenantStore(c), s.Store.Authz()
	var v dashboardView
	var err error
	if v.Brands, err = ts.CountBrands(ctx, s.visibleBrands(c, tenancy.PermBrandsRead)); err != nil {
		return err
	}
	if pv := s.visibleBrands(c, tenancy.PermPagesRead); pv.All || len(pv.IDs) > 0 {
		n, err := ts.CountPages(ctx, pv)
		if err != nil {
			return err
		}
		v.Pages = &n
	}
	if az.Can(p.TenantID, p.User.ID, "", tenancy.PermUsersManage) {
		n, err := ts.CountUsers(ctx)
		if err != nil {
			return err
		}
		v.Users = &n
	}
	toks, err := ts.Tokens(ctx, p.User.ID)
	if err != nil {
		return err
	}
	for _, t := range toks {
		if t.RevokedAt == nil {
			v.Tokens++
		}
	}
	if v.CanAudit = az.Can(p.TenantID, p.User.ID, "", tenancy.PermAuditRead); v.CanAudit {
		if v.Recent, _, err = ts.Audit(ctx, tenancy.AuditFilter{}, tenancy.Cursor{Limit: 8}); err != nil {
			return err
		}
	}
	v.CanNew = az.Can(p.TenantID, p.User.ID, "", tenancy.PermBrandsWrite)
	if err := s.agencyOverview(c, &v); err != nil {
		return err
	}
	return s.renderPage(c, "dashboard", "Dashboard", v)
}
