package sandbox

import (
	"strings"
	"time"
)

// SeedSpec describes a Click-to-Messenger ad for SeedAd.
type SeedSpec struct {
	AccountID      string // act_… (created in USD and UTC when unknown)
	PageID         string
	Name           string
	Ref            string // the ref the ad's conversations carry
	DailyBudget    int64  // Meta units of the account currency; set this or LifetimeBudget
	LifetimeBudget int64
	Start, End     time.Time // the ad set's flight (zero Start: now; zero End: open)
	Schedule       []ScheduleBlock
	AdSetID        string // put the ad in this existing ad set instead of making a campaign and an ad set
}

// SeedAd creates an active campaign, ad set, creative and ad directly in the sandbox's state, for tests and
// demos that need delivery without going through the Marketing API calls; it returns the ids. The ad is
// created already reviewed (it may deliver at once).
func (s *Sandbox) SeedAd(spec SeedSpec) (campaignID, adSetID, adID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !strings.HasPrefix(spec.AccountID, "act_") {
		spec.AccountID = "act_" + spec.AccountID
	}
	acct := s.account(spec.AccountID)
	created := s.sim.Add(-reviewTime)
	set := s.st.adsets[spec.AdSetID]
	if set == nil {
		camp := &Campaign{ID: s.newID("campaign"), AccountID: acct.ID, Name: spec.Name + " campaign",
			Objective: "OUTCOME_ENGAGEMENT", BuyingType: "AUCTION", Status: "ACTIVE", Created: created}
		s.st.campaigns[camp.ID] = camp
		start := spec.Start
		if start.IsZero() {
			start = s.sim
		}
		set = &AdSet{ID: s.newID("adset"), AccountID: acct.ID, CampaignID: camp.ID, Name: spec.Name + " ad set",
			Status: "ACTIVE", DestinationType: "MESSENGER", OptimizationGoal: "CONVERSATIONS",
			BillingEvent: "IMPRESSIONS", PromotedPageID: spec.PageID, DailyBudget: spec.DailyBudget,
			LifetimeBudget: spec.LifetimeBudget, StartTime: start.UTC(), EndTime: spec.End.UTC(),
			Schedule: spec.Schedule, Created: created}
		if len(spec.Schedule) > 0 {
			set.PacingType = []string{"day_parting"}
		}
		s.st.adsets[set.ID] = set
	}
	s.page(spec.PageID)
	cr := &Creative{ID: s.newID("creative"), AccountID: acct.ID, Name: spec.Name + " creative", PageID: spec.PageID,
		CallToAction: "MESSAGE_PAGE", Message: spec.Name, Ref: spec.Ref, Created: created}
	s.st.creatives[cr.ID] = cr
	ad := &Ad{ID: s.newID("ad"), AccountID: acct.ID, AdSetID: set.ID, CreativeID: cr.ID, Name: spec.Name,
		Status: "ACTIVE", Created: created}
	s.st.ads[ad.ID] = ad
	return set.CampaignID, set.ID, ad.ID
}
