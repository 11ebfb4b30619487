package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/audiences"
	"relance/campaigns"
)

// errNoSends refuses a run by hand on an instance that cannot reach Meta.
var errNoSends = fiber.NewError(fiber.StatusServiceUnavailable, "Meta is not configured on this instance: nothing can be sent")

// apiCampaignRuns answers GET /api/v1/brands/:brand/campaigns/:campaign/runs: the campaign's send slots, newest
// first, with live counts by status and route.
func (s *Server) apiCampaignRuns(c *fiber.Ctx) error {
	runs, err := s.campaignStore(c).Runs(c.UserContext(), c.Params("campaign"))
	if err != nil {
		return err
	}
	return c.JSON(runs)
}

// apiCampaignRunSends answers GET /api/v1/brands/:brand/campaigns/:campaign/runs/:run/sends: a page of the
// run's sends, filtered by status and route.
func (s *Server) apiCampaignRunSends(c *fiber.Ctx) error {
	cur, err := cursorOf(c)
	if err != nil {
		return err
	}
	list, next, err := s.campaignStore(c).Sends(c.UserContext(), c.Params("campaign"), c.Params("run"),
		campaigns.SendFilter{Status: c.Query("status"), Route: c.Query("route")}, cur)
	if err != nil {
		return err
	}
	return c.JSON(listBody{Data: list, NextCursor: next})
}

// apiCampaignRunNow answers POST /api/v1/brands/:brand/campaigns/:campaign/runs: a run of the slot of the
// current minute, routed and delivered before the answer (409 if that slot already ran, or the campaign is
// not a running sponsored message).
func (s *Server) apiCampaignRunNow(c *fiber.Ctx) error {
	if s.Graph == nil {
		return errNoSends
	}
	st := s.campaignStore(c)
	id := c.Params("campaign")
	// The run goes on if the caller hangs up: its rows are written, and stopping halfway helps nobody.
	ctx := context.WithoutCancel(c.UserContext())
	runID, err := st.RunSlot(ctx, id, campaigns.SlotMinute(time.Now()), s.sendOptions(c))
	if err != nil && runID == "" {
		return err
	}
	if err != nil {
		s.Log.Warn("run now: delivery stopped", "campaign", id, "run", runID, "err", err)
	}
	runs, err := st.Runs(ctx, id)
	if err != nil {
		return err
	}
	for _, r := range runs {
		if r.ID == runID {
			return c.Status(fiber.StatusCreated).JSON(r)
		}
	}
	return campaigns.ErrNotFound
}

// sendOptions is how a run by hand reaches Meta: the server's Graph client, the Page's token, the audiences
// rebuilt fresh.
func (s *Server) sendOptions(c *fiber.Ctx) campaigns.RunOptions {
	ts := s.tenantStore(c)
	aud := s.audienceStore(c)
	brandID := brandOf(c).ID
	return campaigns.RunOptions{Sender: s.Graph, PageToken: ts.PageToken, Instance: "web", Cause: "manual",
		Marketing: s.Graph, Vault: s.Store.Vault(),
		AdAccountToken: func(ctx context.Context, accountID string) (string, error) {
			return ts.AdAccountToken(ctx, brandID, accountID)
		},
		Build: func(ctx context.Context, audienceID string) error {
			_, err := aud.Build(ctx, audienceID, audiences.CauseManual)
			return err
		}}
}
