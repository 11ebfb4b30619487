package attribution

import (
	"context"
	"testing"
	"time"

	"relance/tenancy"
)

// TestCampaignConversions counts a campaign's conversions per variant under each model and window, and its
// held-out members' conversions within the window after their slot.
func TestCampaignConversions(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	day := 24 * time.Hour
	ms := func(d time.Duration) int64 { return e.now.Add(-d).UnixMilli() }
	if err := e.db.W.Exec(`INSERT INTO campaigns (id, tenant_id, brand_id, name, kind, state, page_id, currency, created_at, updated_at)
		VALUES ('camp', ?, ?, 'AB', 'sponsored_message', 'running', ?, 'EUR', 1, 1)`, e.tenant, e.brand.ID, testPage).Error; err != nil {
		t.Fatal(err)
	}
	touch := func(psid, campaign, variant string, ago time.Duration) {
		t.Helper()
		if err := e.db.W.Exec(`INSERT INTO attr_touches (id, tenant_id, brand_id, page_id, psid, conversation_at, type, touch_key, at, campaign_id, variant)
			VALUES (?, ?, ?, ?, ?, ?, 'send_reply', ?, ?, ?, ?)`, tenancy.NewID(), e.tenant, e.brand.ID, testPage, psid, ms(ago),
			tenancy.NewID(), ms(ago), campaign, variant).Error; err != nil {
			t.Fatal(err)
		}
	}
	// Contact 1 replied to A two days ago; contact 2 to B three days ago, then to another campaign.
	touch("7300000000000001", "camp", "A", 2*day)
	touch("7300000000000002", "camp", "B", 3*day)
	touch("7300000000000002", "other", "X", 2*day)
	// Contact 3 was held out of the slot sent two days ago.
	if err := e.db.W.Exec(`INSERT INTO campaign_runs (id, tenant_id, brand_id, campaign_id, slot, status, send_at, started_at) VALUES ('run', ?, ?, 'camp', ?, 'done', ?, ?)`,
		e.tenant, e.brand.ID, ms(2*day), ms(2*day), ms(2*day)).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.db.W.Exec(`INSERT INTO campaign_sends (id, tenant_id, brand_id, campaign_id, run_id, slot, contact_id, page_id, psid, route, status, updated_at)
		VALUES ('s3', ?, ?, 'camp', 'run', ?, 'contact-3', ?, '7300000000000003', 'holdout', 'holdout', 1)`, e.tenant, e.brand.ID, ms(2*day), testPage).Error; err != nil {
		t.Fatal(err)
	}
	for i, p := range []string{"7300000000000001", "7300000000000002", "7300000000000003"} {
		at := e.now.Add(-day)
		if i == 2 {
			at = e.now.Add(-12 * time.Hour) // a day and a half after the slot
		}
		if _, _, err := e.st.Create(ctx, purchase("ord-"+p, p, "10.00", at)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		choice     Choice
		a, b, held int64
	}{
		{Choice{ModelLastTouch, 7}, 1, 0, 1},  // the other campaign's later touch takes contact 2's
		{Choice{ModelFirstTouch, 7}, 1, 1, 1}, // B was first
		{Choice{ModelLinear, 7}, 1, 1, 1},     // B shares contact 2's
		{Choice{ModelLinear, 1}, 1, 0, 0},     // B's touch is two days before the conversion; the holdout's 1.5
	} {
		by, held, err := e.st.CampaignConversions(ctx, "camp", c.choice)
		if err != nil {
			t.Fatal(err)
		}
		if by["A"] != c.a || by["B"] != c.b || held != c.held {
			t.Errorf("%s: A %d B %d holdout %d, want %d %d %d", c.choice, by["A"], by["B"], held, c.a, c.b, c.held)
		}
	}
}
