package campaigns

import (
	"context"
	"net/http"
	"testing"
	"time"

	"relance/meta"
	"relance/meta/sandbox"
)

// TestAdsOnlyJoinRetargetingAudience: a slot's ads_only member (no thread) joins the campaign's retargeting
// custom audience in its ad account, as a PAGEUID row; the send turns sent with reason retargeting; a second
// pass adds nothing and makes no second audience.
func TestAdsOnlyJoinRetargetingAudience(t *testing.T) {
	f := newSendFixture(t, 2)
	ctx := context.Background()
	f.exec(t, `UPDATE campaigns SET ad_account_id = ? WHERE id = ?`, testAccount, f.campaign.ID)
	f.sb.RegisterAccount(sandbox.Account{ID: testAccount, Currency: "EUR", Timezone: "Europe/Paris"})
	runID, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, f.options(t, "a", nil))
	if err != nil {
		t.Fatal(err)
	}
	client, err := meta.New(meta.Options{BaseURL: f.url, Version: "v25.0", AppSecret: sendSecret, SendRate: -1,
		BaseBackoff: time.Millisecond, HTTP: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	token := func(_ context.Context, account string) (string, error) { return "EAAB-retarget-token", nil }
	if due, err := AdsOnlyDue(ctx, f.st.db.R); err != nil || len(due) != 1 || due[0].RunID != runID {
		t.Errorf("due before: %+v %v", due, err)
	}
	n, err := f.st.AddAdsOnly(ctx, runID, client, token)
	if err != nil || n != 1 {
		t.Fatalf("added %d (%v), want 1", n, err)
	}
	c, _ := f.st.Get(ctx, f.campaign.ID)
	if c.Meta == nil || c.Meta.RetargetAudienceID == "" {
		t.Fatalf("no retargeting audience recorded: %+v", c.Meta)
	}
	members := f.sb.AudienceMembers(c.Meta.RetargetAudienceID)
	if len(members) != 1 || members[0] != (sandbox.Member{PageID: testPage, PSID: "2002"}) {
		t.Errorf("audience members %+v", members)
	}
	r := f.run(t, runID)
	if r.Counts[SendQueued] != 0 || r.Routes[RouteAdsOnly] != 1 {
		t.Errorf("run after the audience: %+v", r)
	}
	if n, err = f.st.AddAdsOnly(ctx, runID, client, token); err != nil || n != 0 {
		t.Errorf("second pass: %d %v", n, err)
	}
	if due, err := AdsOnlyDue(ctx, f.st.db.R); err != nil || len(due) != 0 {
		t.Errorf("due after: %+v %v", due, err)
	}
	if again, _ := f.st.Get(ctx, f.campaign.ID); again.Meta.RetargetAudienceID != c.Meta.RetargetAudienceID || f.sb.Summary().Audiences != 1 {
		t.Errorf("second pass made another audience: %+v", f.sb.Summary())
	}
}

// TestAdsOnlyAfterLostAudienceCreate: Meta makes the retargeting audience but the answer is lost; the pass
// fails with nothing recorded, and the next finds the audience by its tag instead of making a second one.
func TestAdsOnlyAfterLostAudienceCreate(t *testing.T) {
	f := newSendFixture(t, 0)
	ctx := context.Background()
	f.exec(t, `UPDATE campaigns SET ad_account_id = ? WHERE id = ?`, testAccount, f.campaign.ID)
	f.sb.RegisterAccount(sandbox.Account{ID: testAccount, Currency: "EUR", Timezone: "Europe/Paris"})
	runID, err := f.st.RunSlot(ctx, f.campaign.ID, f.now, f.options(t, "a", nil))
	if err != nil {
		t.Fatal(err)
	}
	client, err := meta.New(meta.Options{BaseURL: f.url, Version: "v25.0", AppSecret: sendSecret, SendRate: -1,
		BaseBackoff: time.Millisecond, HTTP: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	token := func(context.Context, string) (string, error) { return "EAAB-retarget-token", nil }
	f.sb.LoseAnswers(http.MethodPost, "customaudiences", 1)
	if n, err := f.st.AddAdsOnly(ctx, runID, client, token); !meta.IsLostAnswer(err) || n != 0 {
		t.Fatalf("lost create: %d %v", n, err)
	}
	if c, _ := f.st.Get(ctx, f.campaign.ID); c.Meta.RetargetAudienceID != "" || f.sb.Summary().Audiences != 1 {
		t.Fatalf("after the lost answer: %+v, Meta holds %+v", c.Meta, f.sb.Summary())
	}
	if n, err := f.st.AddAdsOnly(ctx, runID, client, token); err != nil || n != 1 {
		t.Fatalf("next pass: %d %v", n, err)
	}
	c, _ := f.st.Get(ctx, f.campaign.ID)
	if f.sb.Summary().Audiences != 1 || len(f.sb.AudienceMembers(c.Meta.RetargetAudienceID)) != 1 {
		t.Errorf("Meta holds %+v; audience %s has %v", f.sb.Summary(), c.Meta.RetargetAudienceID, f.sb.AudienceMembers(c.Meta.RetargetAudienceID))
	}
}
