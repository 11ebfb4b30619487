package web

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"relance/audiences"
	"relance/tenancy"
)

// errNoSync is the answer when this instance has no Meta client to sync with.
var errNoSync = fiber.NewError(fiber.StatusServiceUnavailable, "Meta sync is not configured on this instance")

// syncView is a sync status as pages show it, with the brand's zone for its times.
type syncView struct {
	*audiences.SyncStatus
	TZ string
}

// syncStatus is the audience's Meta sync status for a page, or nil when it has no ad account or sync is off.
func (s *Server) syncStatus(c *fiber.Ctx, a audiences.Audience) *syncView {
	if s.Syncer == nil || a.AdAccountID == "" {
		return nil
	}
	st, err := s.Syncer.Status(c.UserContext(), principalOf(c).TenantID, brandOf(c).ID, a.ID)
	if err != nil {
		s.Log.Warn("audience sync status", "audience", a.ID, "err", err)
		return nil
	}
	return &syncView{SyncStatus: &st, TZ: brandOf(c).Timezone}
}

// startSync runs a sync of the audience in the background: one can take minutes for a large audience, and
// its progress is in the status the pages and the API show.
func (s *Server) startSync(c *fiber.Ctx, audienceID string) error {
	if s.Syncer == nil {
		return errNoSync
	}
	tenantID, brand, actor := principalOf(c).TenantID, brandOf(c), tenancy.ActorFrom(c.UserContext())
	s.jobs.goRun(func(ctx context.Context) {
		ctx = tenancy.WithActor(ctx, actor)
		if _, err := s.Syncer.Sync(ctx, tenantID, brand, audienceID); err != nil && !errors.Is(err, context.Canceled) {
			s.Log.Warn("audience sync stopped", "audience", audienceID, "err", err)
		}
	})
	return nil
}

// syncAfterBuild starts a sync when the audience has an ad account: its Meta custom audience follows each
// new snapshot without anyone asking.
func (s *Server) syncAfterBuild(c *fiber.Ctx, a audiences.Audience) {
	if s.Syncer != nil && a.AdAccountID != "" {
		_ = s.startSync(c, a.ID)
	}
}

// forgetMeta deletes the audience's Meta custom audience before the audience goes. A failure does not stop
// the deletion: it is logged with the Meta id left in place.
func (s *Server) forgetMeta(tenantID, brandID string) func(ctx context.Context, audienceID string) {
	return func(ctx context.Context, audienceID string) {
		if s.Syncer == nil {
			return
		}
		if err := s.Syncer.Forget(ctx, tenantID, brandID, audienceID); err != nil {
			s.Log.Warn("meta custom audience left in place", "audience", audienceID, "err", err)
		}
	}
}
