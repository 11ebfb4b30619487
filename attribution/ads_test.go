package attribution

import (
	"context"
	"slices"
	"testing"

	"relance/conversations"
)

// TestLaunchedAdsNameTheirCampaign: an ad relance launched (recorded in campaign_meta_ads) is credited to its
// campaign and variant by the default tracker; another agency's ad with the same id is not this agency's.
func TestLaunchedAdsNameTheirCampaign(t *testing.T) {
	e := newEnv(t, false)
	e.campaign(t, "camp-a", "summer")
	now := t0.UnixMilli()
	for _, row := range []struct{ tenant, variant string }{{e.tenant, "B"}} {
		if err := e.db.W.Exec(`INSERT INTO campaign_meta_ads (campaign_id, tenant_id, variant, version, ad_id, updated_at)
			VALUES ('camp-a', ?, ?, 1, '6001', ?)`, row.tenant, row.variant, now).Error; err != nil {
			t.Fatal(err)
		}
	}
	owners, err := LaunchedAds{}.AdOwners(context.Background(), e.db.R, "another-tenant", []string{"6001"})
	if err != nil || len(owners) != 0 {
		t.Errorf("another agency's lookup: %v %v", owners, err)
	}
	tr := NewTracker(e.db)
	e.feed(t, tr, []*conversations.Event{
		referral(conversations.KindMessage, psid1, hours(0), conversations.Referral{Source: "ADS", AdID: "6001"}),
		referral(conversations.KindMessage, psid2, hours(0), conversations.Referral{Source: "ADS", AdID: "7777"}),
	})
	if got := e.touches(t, psid1); !slices.Equal(got, []string{"ad_referral:camp-a/B@0"}) {
		t.Errorf("a launched ad: %v", got)
	}
	if got := e.touches(t, psid2); !slices.Equal(got, []string{"ad_referral:/@0"}) {
		t.Errorf("an outside ad: %v", got)
	}
}
