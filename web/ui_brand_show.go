package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/conversations"
	"relance/tenancy"
)

// brandView is one brand with its Pages and ad accounts, and what the user may do there.
type brandView struct {
	Brand      tenancy.Brand
	Pages      []tenancy.Page
	AdAccounts []tenancy.AdAccount
	SeePages   bool
	CanEdit    bool
	CanPages   bool
	CanUsers   bool
	CanConvs   bool
	// CanCampaigns links the brand's campaigns.
	CanCampaigns bool
	// Backfills are the Pages' history backfill lines by Page (relance id), for those who read conversations.
	Backfills map[string]backfillLine
	// KeptAside counts the webhook entries waiting for a Page nobody connected, for those who connect Pages.
	KeptAside *keptAsideLine
	// Overview is the brand's spend and results, for those who read its reports.
	Overview *overviewView
}

// keptAsideLine is the kept-aside count shown where Pages are connected.
type keptAsideLine struct {
	conversations.KeptAside
	RetentionDays int
}

// brandPage shows a brand (GET /brands/:brand).
func (s *Server) brandPage(c *fiber.Ctx) error {
	ctx, p, b := c.UserContext(), principalOf(c), brandOf(c)
	az := s.Store.Authz()
	v := brandView{Brand: b,
		SeePages:     az.Can(p.TenantID, p.User.ID, b.ID, tenancy.PermPagesRead),
		CanEdit:      az.Can(p.TenantID, p.User.ID, b.ID, tenancy.PermBrandsWrite),
		CanPages:     az.Can(p.TenantID, p.User.ID, b.ID, tenancy.PermPagesWrite),
		CanUsers:     az.Can(p.TenantID, p.User.ID, b.ID, tenancy.PermBrandUsersManage),
		CanConvs:     az.Can(p.TenantID, p.User.ID, b.ID, tenancy.PermConversationsRead),
		CanCampaigns: az.Can(p.TenantID, p.User.ID, b.ID, tenancy.PermCampaignsRead)}
	if v.SeePages {
		var err error
		if v.Pages, err = s.tenantStore(c).Pages(ctx, b.ID); err != nil {
			return err
		}
		if v.AdAccounts, err = s.tenantStore(c).AdAccounts(ctx, b.ID); err != nil {
			return err
		}
	}
	if v.CanPages && s.Ingest != nil {
		k, err := s.Ingest.KeptAsideFor(ctx, p.TenantID)
		if err != nil {
			return err
		}
		v.KeptAside = &keptAsideLine{KeptAside: k, RetentionDays: int(k.Retention.Hours() / 24)}
	}
	if v.SeePages && v.CanConvs {
		if err := s.brandBackfills(c, &v); err != nil {
			return err
		}
	}
	if err := s.brandOverview(c, &v); err != nil {
		return err
	}
	return s.renderPage(c, "brands/show", b.Name, v)
}

// brandBackfills adds each Page's latest backfill and, for those who may, its start button.
func (s *Server) brandBackfills(c *fiber.Ctx, v *brandView) error {
	p := principalOf(c)
	latest, err := s.backfills(c).LatestByPage(c.UserContext(), v.Brand.ID)
	if err != nil {
		return err
	}
	canStart := s.Store.Authz().Can(p.TenantID, p.User.ID, v.Brand.ID, tenancy.PermConversationsWrite)
	csrf := ""
	if p.viaSession() {
		csrf = p.Session.CSRFToken
	}
	v.Backfills = make(map[string]backfillLine, len(v.Pages))
	for _, pg := range v.Pages {
		v.Backfills[pg.ID] = newBackfillLine(v.Brand.ID, pg, latest[pg.PageID], canStart, csrf)
	}
	return nil
}

// deleteBrand deletes a brand without Pages (POST /brands/:brand/delete).
func (s *Server) deleteBrand(c *fiber.Ctx) error {
	b := brandOf(c)
	if err := s.tenantStore(c).DeleteBrand(c.UserContext(), b.ID); err != nil {
		if _, msg, _ := classify(err); msg != "" && isConflictErr(err) {
			s.flash(c, "Not deleted: "+msg+".")
			return c.Redirect("/brands/"+b.ID, fiber.StatusSeeOther)
		}
		return err
	}
	s.flash(c, "Brand "+b.Name+" deleted.")
	return c.Redirect("/brands", fiber.StatusSeeOther)
}
