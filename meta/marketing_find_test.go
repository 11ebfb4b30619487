package meta_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"relance/meta"
	"relance/meta/sandbox"
)

// TestFindAdObjectsByTag: objects named with a tag are found again on every edge, across pages, and
// deleted ones are left out.
func TestFindAdObjectsByTag(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	campID, setID, crID, adID := mkChain(t, p, "Chat with us")
	for i := 0; i < 120; i++ { // more than a page of other campaigns
		if _, err := p.C.CreateCampaign(ctx, mkToken, mkAccount, meta.CampaignSpec{Name: fmt.Sprintf("Other %d [tag:x%d]", i, i),
			Objective: meta.ObjectiveEngagement}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ edge, name, want string }{
		{meta.EdgeCampaigns, "Spring", campID}, {meta.EdgeAdSets, "Inbox", setID},
		{meta.EdgeCreatives, "Chat", crID}, {meta.EdgeAds, "Ad 1", adID},
	} {
		got, err := p.C.FindAdObjects(ctx, mkToken, mkAccount, c.edge, c.name)
		if err != nil || len(got) != 1 || got[0].ID != c.want {
			t.Errorf("%s %q: %+v, %v; want %s", c.edge, c.name, got, err, c.want)
		}
	}
	old, err := p.C.CreateCampaign(ctx, mkToken, mkAccount, meta.CampaignSpec{Name: "Spring [tag:x7]", Objective: meta.ObjectiveEngagement})
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.C.FindAdObjects(ctx, mkToken, mkAccount, meta.EdgeCampaigns, "[tag:x7]")
	if err != nil || len(got) != 2 {
		t.Fatalf("two campaigns carry [tag:x7]: %+v, %v", got, err)
	}
	if err := p.C.SetStatus(ctx, mkToken, old, meta.AdStatusDeleted); err != nil {
		t.Fatal(err)
	}
	if got, err = p.C.FindAdObjects(ctx, mkToken, mkAccount, meta.EdgeCampaigns, "[tag:x7]"); err != nil || len(got) != 1 || got[0].ID == old {
		t.Errorf("a deleted campaign is found again: %+v, %v", got, err)
	}
	if _, err := p.C.FindAdObjects(ctx, mkToken, mkAccount, "insights", "x"); !errors.Is(err, meta.ErrInvalidAdObject) {
		t.Errorf("unknown edge: %v", err)
	}
}

// TestUpdateAdSetAndReview: budget and end time change as asked, the budget kind cannot switch, and the
// review a test decides shows in effective_status with Meta's reason.
func TestUpdateAdSetAndReview(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	_, setID, _, adID := mkChain(t, p, "Chat with us")
	end := p.S.Now().Add(72 * time.Hour)
	if err := p.C.UpdateAdSet(ctx, mkToken, setID, meta.AdSetUpdate{DailyBudget: mkUSD(3500), End: end, Status: meta.AdStatusPaused}); err != nil {
		t.Fatal(err)
	}
	set, err := p.C.AdSet(ctx, mkToken, setID, "USD")
	if err != nil || set.DailyBudget != mkUSD(3500) || !set.End.Equal(end) || set.Status != "PAUSED" {
		t.Errorf("after update: %+v, %v", set, err)
	}
	err = p.C.UpdateAdSet(ctx, mkToken, setID, meta.AdSetUpdate{LifetimeBudget: mkUSD(90000)})
	var me *meta.Error
	if !errors.As(err, &me) || me.Code != 100 {
		t.Errorf("switching to a lifetime budget: %v, want a 100", err)
	}
	if err := p.S.SetReview(adID, "DISAPPROVED", "Prohibited content"); err != nil {
		t.Fatal(err)
	}
	if err := p.C.UpdateAdSet(ctx, mkToken, setID, meta.AdSetUpdate{Status: meta.AdStatusActive}); err != nil {
		t.Fatal(err)
	}
	ad, err := p.C.Ad(ctx, mkToken, adID)
	if err != nil || ad.EffectiveStatus != "DISAPPROVED" || ad.Review != "Sandbox review: Prohibited content" {
		t.Errorf("disapproved ad: %+v, %v", ad, err)
	}
	_ = p.S.SetReview(adID, "WITH_ISSUES", "The Page is restricted")
	if ad, err = p.C.Ad(ctx, mkToken, adID); err != nil || ad.EffectiveStatus != "WITH_ISSUES" || ad.Issues == "" {
		t.Errorf("ad with issues: %+v, %v", ad, err)
	}
}
