package web

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"relance/audiences"
	"relance/campaigns"
)

// errNoLaunch is the answer when this instance cannot reach Meta, so an ads campaign cannot launch.
var errNoLaunch = fiber.NewError(fiber.StatusServiceUnavailable, "Meta is not configured on this instance: ads campaigns cannot be launched")

// launchOptions is how a launch from the UI or the API reaches Meta: the server's Graph client, the ad
// account's token, and each audience built (if it never was) and synced to its Meta custom audience.
func (s *Server) launchOptions(c *fiber.Ctx) campaigns.LaunchOptions {
	if s.Graph == nil {
		return campaigns.LaunchOptions{}
	}
	ts, aud, tenantID, brand := s.tenantStore(c), s.audienceStore(c), principalOf(c).TenantID, brandOf(c)
	return campaigns.LaunchOptions{Ads: s.Graph,
		Token: func(ctx context.Context, accountID string) (string, error) {
			return ts.AdAccountToken(ctx, brand.ID, accountID)
		},
		Audience: func(ctx context.Context, id string) (string, string, error) {
			if s.Syncer == nil {
				return "", "", errNoSync
			}
			a, err := aud.Get(ctx, id)
			switch {
			case err != nil:
				return "", "", err
			case a.AdAccountID == "":
				return "", "", audiences.ErrNoAdAccount
			case a.Latest == nil:
				if _, err := aud.Build(ctx, id, audiences.CauseManual); err != nil {
					return "", "", err
				}
			}
			st, err := s.Syncer.Sync(ctx, tenantID, brand, id)
			return st.MetaAudienceID, st.AdAccountID, err
		}}
}

// act takes a lifecycle action. Launch goes through Meta for the ads kinds; after pause, resume and
// archive of a launched ads campaign, Meta is brought in line at once (the minute sweep retries what fails:
// its error shows on the campaign meanwhile).
func (s *Server) act(c *fiber.Ctx, action string, in campaigns.ActInput) (campaigns.Campaign, error) {
	st, id := s.campaignStore(c), c.Params("campaign")
	// Meta's objects are made whether or not the caller waits for the answer.
	ctx := context.WithoutCancel(c.UserContext())
	if action == campaigns.ActLaunch {
		lo := s.launchOptions(c)
		cp, err := st.Launch(ctx, id, in, lo)
		if errors.Is(err, campaigns.ErrNoMeta) {
			return cp, errNoLaunch
		}
		if err != nil {
			return cp, err
		}
		return s.steerNow(c, st, cp), nil // the ads' review states show at once
	}
	cp, err := st.Act(ctx, id, action, in)
	if err != nil {
		return cp, err
	}
	return s.steerNow(c, st, cp), nil
}

// steerNow mirrors a launched ads campaign to Meta after a change and returns it as it now reads.
func (s *Server) steerNow(c *fiber.Ctx, st *campaigns.Store, cp campaigns.Campaign) campaigns.Campaign {
	if cp.Meta == nil || cp.Meta.LaunchedAt == nil || s.Graph == nil {
		return cp
	}
	ctx := context.WithoutCancel(c.UserContext())
	if err := st.Steer(ctx, cp.ID, s.launchOptions(c)); err != nil {
		s.Log.Warn("campaign: Meta not in line yet", "campaign", cp.ID, "err", err)
	}
	if again, err := st.Get(ctx, cp.ID); err == nil {
		return again
	}
	return cp
}
