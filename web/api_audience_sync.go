package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"relance/audiences"
	"relance/tenancy"
)

// apiAudienceSync answers GET /api/v1/brands/:brand/audiences/:audience/sync: the Meta sync status.
func (s *Server) apiAudienceSync(c *fiber.Ctx) error {
	a, err := s.audienceStore(c).Get(c.UserContext(), c.Params("audience"))
	if err != nil {
		return err
	}
	if s.Syncer == nil {
		return errNoSync
	}
	st, err := s.Syncer.Status(c.UserContext(), principalOf(c).TenantID, brandOf(c).ID, a.ID)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// apiStartAudienceSync answers POST /api/v1/brands/:brand/audiences/:audience/sync: 202 and the status
// before the run; the run goes on in the background. 409 without an ad account or a snapshot.
func (s *Server) apiStartAudienceSync(c *fiber.Ctx) error {
	a, err := s.audienceStore(c).Get(c.UserContext(), c.Params("audience"))
	if err != nil {
		return err
	}
	switch {
	case a.AdAccountID == "":
		return audiences.ErrNoAdAccount
	case a.Latest == nil:
		return fmt.Errorf("%w: build the audience before syncing it", tenancy.ErrConflict)
	}
	if err := s.startSync(c, a.ID); err != nil {
		return err
	}
	st, err := s.Syncer.Status(c.UserContext(), principalOf(c).TenantID, brandOf(c).ID, a.ID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(st)
}
