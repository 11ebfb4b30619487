package web

import (
	"context"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"relance/conversations"
	"relance/tenancy"
)

// errNoGraph answers a backfill on a server started without a Graph client.
var errNoGraph = fiber.NewError(fiber.StatusServiceUnavailable,
	"history backfill needs the Meta Graph API (meta.graph_url), which this server runs without")

// errBackfillRunning answers a second start while one runs.
var errBackfillRunning = fiber.NewError(fiber.StatusConflict, "a backfill of this Page is already running")

// backfills returns the caller's agency's backfill jobs.
func (s *Server) backfills(c *fiber.Ctx) *conversations.Backfills {
	if s.backfill != nil {
		return s.backfill.Jobs(principalOf(c).TenantID)
	}
	return conversations.NewBackfills(s.DB, principalOf(c).TenantID, nil)
}

// pageOfBrand finds the :page of the path among the brand's Pages, by relance id or by Meta Page id.
func (s *Server) pageOfBrand(c *fiber.Ctx) (tenancy.Page, error) {
	pages, err := s.tenantStore(c).Pages(c.UserContext(), brandOf(c).ID)
	if err != nil {
		return tenancy.Page{}, err
	}
	id := c.Params("page")
	for _, p := range pages {
		if p.ID == id || p.PageID == id {
			return p, nil
		}
	}
	return tenancy.Page{}, fmt.Errorf("web: page: %w", tenancy.ErrNotFound)
}

// startBackfill claims a backfill of the Page and runs it in a goroutine the server owns; the job is
// returned queued. The run's outcome is in the job's row, which the progress routes read.
func (s *Server) startBackfill(c *fiber.Ctx, p tenancy.Page) (conversations.Backfill, error) {
	if s.backfill == nil {
		return conversations.Backfill{}, errNoGraph
	}
	job, err := s.backfill.Jobs(principalOf(c).TenantID).Start(c.UserContext(), brandOf(c).ID, p.PageID)
	if errors.Is(err, conversations.ErrBackfillRunning) {
		return job, errBackfillRunning
	}
	if err != nil {
		return job, err
	}
	if err := s.tenantStore(c).Record(c.UserContext(), tenancy.AuditEntry{BrandID: brandOf(c).ID, Action: tenancy.ActionBackfillStart,
		ObjectType: "page", ObjectID: p.ID, Summary: fmt.Sprintf("%s (Page %s)", p.Name, p.PageID)}); err != nil {
		return job, err
	}
	s.jobs.goRun(func(ctx context.Context) {
		done, err := s.backfill.Run(ctx, job)
		if err != nil && ctx.Err() == nil {
			s.Log.Warn("backfill ended with an error", "job", done.ID, "page", done.PageID, "status", done.Status, "err", err)
		}
	})
	return job, nil
}
