package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"relance/conversations"
	"relance/tenancy"
)

// backfillLine is one Page's backfill progress on the brand screen, and its start button.
type backfillLine struct {
	BrandID  string
	PageID   string // relance's id of the Page, as in the screen's URLs
	Job      conversations.Backfill
	HasJob   bool
	Active   bool // queued or running: the line polls itself
	CanStart bool
	CSRF     string
}

// newBackfillLine builds the line of Page p from its latest job (zero when it never had one).
func newBackfillLine(brandID string, p tenancy.Page, job conversations.Backfill, canStart bool, csrf string) backfillLine {
	return backfillLine{BrandID: brandID, PageID: p.ID, Job: job, HasJob: job.ID != "", Active: job.Active(),
		CanStart: canStart, CSRF: csrf}
}

// startBackfillUI starts (or resumes) a Page's history backfill from the brand screen
// (POST /brands/:brand/pages/:page/backfill) and goes back there, where the progress line polls.
func (s *Server) startBackfillUI(c *fiber.Ctx) error {
	b := brandOf(c)
	p, err := s.pageOfBrand(c)
	if err != nil {
		return err
	}
	var fe *fiber.Error
	switch _, err = s.startBackfill(c, p); {
	case err == nil:
		s.flash(c, "Backfill of "+p.Name+" started.")
	case errors.As(err, &fe) && (fe.Code == fiber.StatusConflict || fe.Code == fiber.StatusServiceUnavailable):
		s.flash(c, "Not started: "+fe.Message+".")
	default:
		return err
	}
	return c.Redirect("/brands/"+b.ID, fiber.StatusSeeOther)
}

// backfillProgress renders one Page's progress line (GET /brands/:brand/pages/:page/backfill); the line asks
// for it every two seconds while its job is queued or running.
func (s *Server) backfillProgress(c *fiber.Ctx) error {
	pr, b := principalOf(c), brandOf(c)
	p, err := s.pageOfBrand(c)
	if err != nil {
		return err
	}
	job, err := s.backfills(c).Latest(c.UserContext(), b.ID, p.PageID)
	if err != nil && !isNotFoundErr(err) {
		return err
	}
	csrf := ""
	if pr.viaSession() {
		csrf = pr.Session.CSRFToken
	}
	canStart := s.Store.Authz().Can(pr.TenantID, pr.User.ID, b.ID, tenancy.PermConversationsWrite)
	return c.Render("pages/backfill", fiber.Map{"D": newBackfillLine(b.ID, p, job, canStart, csrf)})
}
