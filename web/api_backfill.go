package web

import (
	"github.com/gofiber/fiber/v2"
)

// apiStartBackfill answers POST /api/v1/brands/:brand/pages/:page/backfill: 202 with the job, queued; the
// last unfinished backfill of the Page is resumed from its cursor. 409 while one runs.
func (s *Server) apiStartBackfill(c *fiber.Ctx) error {
	p, err := s.pageOfBrand(c)
	if err != nil {
		return err
	}
	job, err := s.startBackfill(c, p)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(job)
}

// apiBackfill answers GET /api/v1/brands/:brand/pages/:page/backfill: the Page's latest backfill and its progress.
func (s *Server) apiBackfill(c *fiber.Ctx) error {
	p, err := s.pageOfBrand(c)
	if err != nil {
		return err
	}
	job, err := s.backfills(c).Latest(c.UserContext(), brandOf(c).ID, p.PageID)
	if err != nil {
		return err
	}
	return c.JSON(job)
}
