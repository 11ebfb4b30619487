package campaigns

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"relance/meta"
	"relance/meta/sandbox"
	"relance/tenancy"
)

// TestSponsoredMessageAds: under meta-2017 a slot's paid members (a thread, window and "+1" spent) are handed
// to Meta as one sponsored-message ad per variant targeting them as a PAGEUID audience; after review the
// sandbox delivers each person the variant's message once, into their thread; a second pass makes nothing.
// An audience whose create answer was lost is found again, not made twice; the delivered messages' echoes
// and receipts move the sends to delivered and read.
func TestSponsoredMessageAds(t *testing.T) {
	f := newSendFixture(t, 0)
	ctx := context.Background()
	f.exec(t, `UPDATE brands SET policy = ? WHERE id = ?`, tenancy.PolicyMeta2017, f.brand.ID)
	f.exec(t, `UPDATE campaigns SET ad_account_id = ?, holdout_percent = 0 WHERE id = ?`, testAccount, f.campaign.ID)
	f.sb.RegisterAccount(sandbox.Account{ID: testAccount, Currency: "EUR", Timezone: "Europe/Paris"})
	brand := f.brand
	brand.Policy = tenancy.PolicyMeta2017
	st := NewStore(f.st.db, f.st.tenant, brand, f.st.opts)
	snap := f.snapshot(t, f.audience, 2)
	var paid []string
	for i := 0; i < 6; i++ {
		psid := fmt.Sprintf("30%04d", i)
		f.seedMember(t, snap, testPage, psid, true, f.now.Add(-72*time.Hour), false)
		f.exec(t, `UPDATE contacts SET last_outbound_at = ? WHERE psid = ?`, f.now.Add(-48*time.Hour).UnixMilli(), psid)
		f.sb.RegisterThread(testPage, psid, "FR", f.now.Add(-72*time.Hour), "")
		paid = append(paid, psid)
	}
	runID, err := st.RunSlot(ctx, f.campaign.ID, f.now, f.options(t, "a", nil))
	if err != nil {
		t.Fatal(err)
	}
	if r := f.run(t, runID); r.Routes[RoutePaid] != len(paid) || r.Counts[SendQueued] < len(paid) {
		t.Fatalf("run before the ads: %+v", r)
	}
	client, err := meta.New(meta.Options{BaseURL: f.url, Version: "v25.0", AppSecret: sendSecret, SendRate: -1,
		BaseBackoff: time.Millisecond, HTTP: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	token := func(context.Context, string) (string, error) { return "EAAB-sponsored-token", nil }
	if due, err := SponsoredDue(ctx, f.st.db.R); err != nil || len(due) != 1 || due[0].RunID != runID {
		t.Errorf("due before: %+v %v", due, err)
	}
	// Meta makes the first variant's audience but the answer is lost: the next pass finds it by its tag.
	f.sb.LoseAnswers(http.MethodPost, "customaudiences", 1)
	if n, err := st.DeliverSponsored(ctx, runID, client, token); !meta.IsLostAnswer(err) || n != 0 {
		t.Fatalf("lost audience create: %d %v", n, err)
	}
	n, err := st.DeliverSponsored(ctx, runID, client, token)
	if err != nil || n != len(paid) {
		t.Fatalf("handed %d (%v), want %d", n, err, len(paid))
	}
	if n, err = st.DeliverSponsored(ctx, runID, client, token); err != nil || n != 0 {
		t.Errorf("second pass: %d %v", n, err)
	}
	if due, err := SponsoredDue(ctx, f.st.db.R); err != nil || len(due) != 0 {
		t.Errorf("due after: %+v %v", due, err)
	}
	sum := f.sb.Summary()
	if sum.Campaigns != 1 || sum.AdSets != 2 || sum.Ads != 2 || sum.Audiences != 2 {
		t.Errorf("Meta holds %+v, want 1 campaign and an audience, ad set and ad per variant", sum)
	}
	if err := f.sb.Advance(ctx, 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := f.sb.Advance(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, s := range f.sb.Sends() {
		if s.AdID == "" {
			t.Errorf("a Send API message went: %+v", s)
		}
		got[s.PSID]++
		if s.Text != "Our spring menu is here" && s.Text != "Spring is on the menu" {
			t.Errorf("sponsored message text %q", s.Text)
		}
	}
	for _, psid := range paid {
		if got[psid] != 1 {
			t.Errorf("%s got %d sponsored messages, want 1", psid, got[psid])
		}
	}
	sends, _, _ := st.Sends(ctx, f.campaign.ID, runID, SendFilter{Route: RoutePaid}, tenancy.Cursor{})
	for _, s := range sends {
		if s.Status != SendSent || s.Reason != ReasonSponsored {
			t.Errorf("paid send %+v", s)
		}
	}
	// Meta's echoes and receipts of the delivered messages settle the sends like any other.
	f.ingest(t)
	f.now = f.now.Add(75 * time.Minute)
	settled, err := Settle(ctx, f.st.db, f.now, DefaultReplyWindow)
	if err != nil || settled.Sponsored != int64(len(paid)) {
		t.Fatalf("settle: %+v %v, want %d sponsored sends found", settled, err, len(paid))
	}
	r := f.run(t, runID)
	if r.Counts[SendDelivered]+r.Counts[SendRead]+r.Counts[SendReplied] != len(paid) || r.Counts[SendSent] != 0 || r.Counts[SendRead] == 0 {
		t.Errorf("paid sends after the receipts: %v", r.Counts)
	}
	if again, err := Settle(ctx, f.st.db, f.now, DefaultReplyWindow); err != nil || again.Sponsored != 0 {
		t.Errorf("settled twice: %+v %v", again, err)
	}
}
