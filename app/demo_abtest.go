package app

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"relance/attribution"
	"relance/campaigns"
	"relance/conversations"
	"relance/scheduler"
	"relance/tenancy"
)

// The demo's A/B test: a sponsored message of the first demo brand sent six weeks ago to people who had
// written to the restaurant before, in two variants and a holdout. Variant B's button gets twice the replies
// of A's quick replies (20 % against 10 % of those delivered), with 400 or more delivered each, so that the
// results read a clear, significant winner. The people, their earlier messages and their replies arrive as
// webhooks through the ingester, after the sends, so that attribution finds the send_reply touches as it
// would have at the time.
const (
	demoABName = "Spring tasting menu · A/B test"
	// demoABDelivered is the fewest delivered sends each variant gets.
	demoABDelivered = 400
	// demoABDaysAgo is when the slot ran; demoABPSIDBase starts the recipients' PSIDs, apart from the others'.
	demoABDaysAgo  = 45
	demoABPSIDBase = 7100000000600000
	// demoABMaxMembers bounds the recipients: about 900 reach 400 sends per variant past a 10 % holdout.
	demoABMaxMembers = 1000
)

// demoABReplies says whether the k-th delivered send of a variant (from 0) is answered: one in ten of A,
// one in five of B. Holdout members write on their own, one in sixteen.
func demoABReplies(variant string, k int) bool {
	switch variant {
	case "A":
		return k%10 == 3
	case "B":
		return k%5 == 1
	}
	return k%16 == 5
}

// demoABFirst and demoABAnswers are what the recipients wrote before, and what they answer, in French as the
// restaurant's people mostly write.
var (
	demoABFirst = []string{"Bonsoir, vous êtes ouverts dimanche soir ?", "Vous avez un menu végétarien ?",
		"Je peux réserver pour six la semaine prochaine ?", "La cuisine ferme à quelle heure ?", "La terrasse est ouverte ?"}
	demoABAnswers = []string{"Oui, une table pour deux vendredi svp", "Il coûte combien, le menu dégustation ?",
		"Samedi 20 h pour quatre, c'est possible ?", "Avec plaisir, qu'est-ce qu'il y a dedans ?", "Réservez-nous jeudi, merci"}
)

// demoABSend is one row of the campaign_sends table, as the demo writes it.
type demoABSend struct {
	ID, TenantID, BrandID, CampaignID, RunID string
	Slot                                     int64
	ContactID, PageID, Variant, Route        string
	PSID                                     string `gorm:"column:psid"`
	Status, MessageID                        string
	SentAt, UpdatedAt                        int64
}

func (demoABSend) TableName() string { return "campaign_sends" }

// demoABRun is the slot's row of the campaign_runs table.
type demoABRun struct {
	ID, TenantID, BrandID, CampaignID, Status, Cause, Detail string
	Slot, SendAt, StartedAt, FinishedAt                      int64
}

func (demoABRun) TableName() string { return "campaign_runs" }

// seedDemoABTest writes the A/B test of the first demo brand.
func seedDemoABTest(ctx context.Context, r *runtime, tenantID string, brandIDs []string) error {
	ts := r.store.Tenant(tenantID)
	b, err := ts.Brand(ctx, brandIDs[0])
	if err != nil {
		return err
	}
	pages, err := ts.Pages(ctx, b.ID)
	if err != nil || len(pages) == 0 {
		return fmt.Errorf("app: demo A/B: pages: %v", err)
	}
	page := pages[0].PageID
	auds, err := r.audienceStore(tenantID, b).List(ctx)
	if err != nil {
		return fmt.Errorf("app: demo A/B: %w", err)
	}
	now := time.Now().UTC()
	slot := now.AddDate(0, 0, -demoABDaysAgo).Truncate(time.Hour)
	clock := now.AddDate(0, 0, -demoPastStart-2)
	st := campaigns.NewStore(r.db, tenantID, b, campaigns.Options{NextRun: scheduler.Next, Now: func() time.Time { return clock }})
	in := demoCampaignInput(demoCampaign{name: demoABName, kind: campaigns.KindSponsoredMessage, ref: "camp=tasting", past: true},
		b, page, "", auds, now)
	c, err := st.Create(ctx, in)
	if err != nil {
		return fmt.Errorf("app: demo A/B: %w", err)
	}
	for _, a := range []string{campaigns.ActSubmit, campaigns.ActApprove, campaigns.ActLaunch} {
		clock = clock.Add(time.Hour)
		if _, err := st.Act(ctx, c.ID, a, campaigns.ActInput{}); err != nil {
			return fmt.Errorf("app: demo A/B: %s: %w", a, err)
		}
	}

	// Who got what: the campaign's own holdout and variant assignment, until both variants have their sends.
	type member struct {
		psid, variant string
		k             int // the member's place among its variant's (or the holdout's)
	}
	var members []member
	seen := map[string]int{}
	for i := 0; (seen["A"] < demoABDelivered || seen["B"] < demoABDelivered) && i < demoABMaxMembers; i++ {
		psid := fmt.Sprint(demoABPSIDBase + i)
		v := "holdout"
		if !campaigns.InHoldout(c.ID, page, psid, c.HoldoutPercent) {
			v = campaigns.VariantOf(c.ID, page, psid, c.Variants)
		}
		members = append(members, member{psid, v, seen[v]})
		seen[v]++
	}
	in2, stop := demoIngester(ctx, r)
	defer stop()
	first := make([]demoMessage, len(members))
	for i, m := range members {
		at := slot.AddDate(0, 0, -3-i%17).Add(-time.Duration(i) * time.Minute)
		first[i] = demoMessage{psid: m.psid, at: at, mid: "m_demo_ab_first_" + m.psid, text: demoABFirst[i%len(demoABFirst)]}
	}
	if err := demoSubmit(ctx, r, in2, page, first); err != nil {
		return err
	}
	contacts := map[string]string{}
	var rows []struct {
		ID   string
		PSID string `gorm:"column:psid"`
	}
	if err := r.db.R.WithContext(ctx).Raw("SELECT id, psid FROM contacts WHERE tenant_id = ? AND brand_id = ? AND page_id = ?",
		tenantID, b.ID, page).Scan(&rows).Error; err != nil {
		return fmt.Errorf("app: demo A/B: %w", err)
	}
	for _, row := range rows {
		contacts[row.PSID] = row.ID
	}
	run := demoABRun{ID: tenancy.NewID(), TenantID: tenantID, BrandID: b.ID, CampaignID: c.ID, Status: campaigns.RunDone,
		Cause: "schedule", Slot: slot.UnixMilli(), SendAt: slot.UnixMilli(), StartedAt: slot.UnixMilli(),
		FinishedAt: slot.Add(4 * time.Minute).UnixMilli()}
	var sends []demoABSend
	var replies []demoMessage
	for i, m := range members {
		s := demoABSend{ID: tenancy.NewID(), TenantID: tenantID, BrandID: b.ID, CampaignID: c.ID, RunID: run.ID, Slot: run.Slot,
			ContactID: contacts[m.psid], PageID: page, PSID: m.psid, UpdatedAt: now.UnixMilli()}
		if s.ContactID == "" {
			s.ContactID = page + ":" + m.psid
		}
		answers := demoABReplies(m.variant, m.k)
		switch {
		case m.variant == "holdout":
			s.Route, s.Status = campaigns.RouteHoldout, campaigns.SendHoldout
		case answers:
			s.Variant, s.Route, s.Status = m.variant, campaigns.RoutePaid, campaigns.SendReplied
		case m.k%3 == 0:
			s.Variant, s.Route, s.Status = m.variant, campaigns.RoutePaid, campaigns.SendDelivered
		default:
			s.Variant, s.Route, s.Status = m.variant, campaigns.RoutePaid, campaigns.SendRead
		}
		if s.Route == campaigns.RoutePaid {
			s.SentAt, s.MessageID = slot.Add(time.Duration(i%240)*time.Second).UnixMilli(), "m_demo_ab_send_"+m.psid
		}
		sends = append(sends, s)
		if answers {
			at := slot.Add(time.Duration(7+(i*37)%1400) * time.Minute)
			replies = append(replies, demoMessage{psid: m.psid, at: at, mid: "m_demo_ab_reply_" + m.psid,
				text: demoABAnswers[i%len(demoABAnswers)]})
		}
	}
	err = r.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&run).Error; err != nil {
			return err
		}
		return tx.CreateInBatches(sends, 500).Error
	})
	if err != nil {
		return fmt.Errorf("app: demo A/B sends: %w", err)
	}
	if err := demoSubmit(ctx, r, in2, page, replies); err != nil {
		return err
	}
	// A third of those who answered booked and paid the next day: conversions the A/B campaign is credited with.
	conv := attribution.NewStore(r.db, tenantID, b, nil)
	prices := demoMoneyTerms[0].prices
	for k, rp := range replies {
		if k%3 != 0 {
			continue
		}
		in := attribution.ConversionInput{ExternalID: "demo-tasting-" + rp.psid, PageID: page, PSID: rp.psid, Type: "purchase",
			Value:      &attribution.Value{Amount: prices[k%len(prices)], Currency: b.Currency},
			OccurredAt: rp.at.Add(24 * time.Hour).Format(time.RFC3339)}
		if _, _, err := conv.Create(ctx, in); err != nil {
			return fmt.Errorf("app: demo A/B purchase: %w", err)
		}
	}
	clock = now.AddDate(0, 0, -demoPastEnd)
	if _, err := st.Act(ctx, c.ID, campaigns.ActComplete, campaigns.ActInput{}); err != nil {
		return fmt.Errorf("app: demo A/B: complete: %w", err)
	}
	return nil
}

// demoMessage is one inbound message the demo sends as a webhook.
type demoMessage struct {
	psid, mid, text string
	at              time.Time
}

// demoIngester starts an ingester that tracks attribution, as seedConversations does; stop ends it.
func demoIngester(ctx context.Context, r *runtime) (*conversations.Ingester, func()) {
	in := conversations.NewIngester(r.db, r.store.Vault(), prometheus.NewRegistry(), r.log, max(r.cfg.Ingest.MaxBatch, 1000))
	in.Observe(attribution.NewTracker(r.db).Observer())
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { in.Run(runCtx); close(done) }()
	return in, func() { cancel(); <-done }
}

// demoSubmit sends msgs to page as Meta's webhooks would, in time order, a few hundred per delivery.
func demoSubmit(ctx context.Context, r *runtime, in *conversations.Ingester, page string, msgs []demoMessage) error {
	type event struct {
		Sender    map[string]string `json:"sender"`
		Recipient map[string]string `json:"recipient"`
		Timestamp int64             `json:"timestamp"`
		Message   map[string]string `json:"message"`
	}
	sorted := append([]demoMessage(nil), msgs...)
	sortByTime(sorted)
	for len(sorted) > 0 {
		n := min(len(sorted), 300)
		events := make([]event, n)
		for i, m := range sorted[:n] {
			events[i] = event{Sender: map[string]string{"id": m.psid}, Recipient: map[string]string{"id": page},
				Timestamp: m.at.UnixMilli(), Message: map[string]string{"mid": m.mid, "text": m.text}}
		}
		body, err := json.Marshal(map[string]any{"object": "page",
			"entry": []map[string]any{{"id": page, "time": sorted[n-1].at.UnixMilli(), "messaging": events}}})
		if err != nil {
			return err
		}
		entries, err := conversations.Parse(body, conversations.ParseOptions{AppID: r.cfg.EffectiveAppID(), NLPThreshold: r.cfg.Ingest.NLPThreshold})
		if err != nil {
			return fmt.Errorf("app: demo webhooks: %w", err)
		}
		if _, err := in.Submit(ctx, entries); err != nil {
			return fmt.Errorf("app: demo webhooks: %w", err)
		}
		sorted = sorted[n:]
	}
	return nil
}

// sortByTime orders messages by time, then mid.
func sortByTime(ms []demoMessage) {
	slices.SortFunc(ms, func(a, b demoMessage) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.mid, b.mid)
	})
}
