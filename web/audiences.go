package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/audiences"
	"relance/scheduler"
)

// RefreshKind is the scheduler kind of audience refreshes; app registers it, the server reloads it.
const RefreshKind = "audience_refresh"

// audienceStore is the audience store of the route's brand.
func (s *Server) audienceStore(c *fiber.Ctx) *audiences.Store {
	ts := s.tenantStore(c)
	brand := brandOf(c)
	return audiences.NewStore(s.DB, principalOf(c).TenantID, brand, audiences.Options{
		AppID:        s.Webhook.AppID,
		Keep:         s.AudienceKeep,
		NoText:       !s.canReadText(c),
		NextRun:      scheduler.Next,
		CheckRefresh: s.checkRefresh,
		BeforeDelete: s.forgetMeta(principalOf(c).TenantID, brand.ID),
		AdAccount: func(ctx context.Context, accountID string) error {
			_, err := ts.AdAccount(ctx, brand.ID, accountID)
			return err
		},
	})
}

// DefaultMinRefreshInterval is the shortest refresh interval when audiences.min_refresh_interval is unset:
// a build reads a brand's whole history, and a refresh every minute would keep the database busy for one list.
const DefaultMinRefreshInterval = time.Hour

// checkRefresh refuses a refresh_cron whose slots come closer than the configured minimum.
func (s *Server) checkRefresh(spec, tz string, now time.Time) error {
	min := s.MinRefreshInterval
	if min <= 0 {
		min = DefaultMinRefreshInterval
	}
	return scheduler.CheckInterval(spec, tz, now, min)
}

// reloadSchedules tells this instance's scheduler about a changed refresh schedule at once; other
// instances pick it up at their next reload.
func (s *Server) reloadSchedules(ctx context.Context) {
	if s.Scheduler == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.Scheduler.Reload(ctx); err != nil {
		s.Log.Warn("scheduler reload failed", "err", err)
	}
}
