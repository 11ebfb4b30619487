package sandbox

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Delivery history. The sandbox forgets its objects when its process ends, while relance keeps the ids of the
// ads it launched and the spend Insights reported for them. RestoreAds gives a new sandbox the ads of an
// earlier run back under their ids, and SeedHistory gives an ad figures for days before the simulated clock,
// the same ones every time, so that a demo restarted on another day still reads in Insights what its ledger
// already holds.

// RestoreSpec is a Click-to-Messenger ad set with its ads, under the ids Meta gave them at launch.
type RestoreSpec struct {
	AccountID, PageID, CampaignID, AdSetID, Name string
	DailyBudget                                  int64 // Meta units of the account currency
	Ads                                          []RestoredAd
}

// RestoredAd is one ad of a RestoreSpec with its creative.
type RestoredAd struct {
	CreativeID, AdID, Name, Ref string
}

// RestoreAds creates the campaign, ad set, creatives and ads of spec that the sandbox does not hold, active
// and already reviewed, and moves the id counters past their ids so that new objects never take them.
func (s *Sandbox) RestoreAds(spec RestoreSpec) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !strings.HasPrefix(spec.AccountID, "act_") {
		spec.AccountID = "act_" + spec.AccountID
	}
	acct := s.account(spec.AccountID)
	created := s.sim.Add(-reviewTime)
	if s.st.campaigns[spec.CampaignID] == nil {
		s.st.campaigns[spec.CampaignID] = &Campaign{ID: spec.CampaignID, AccountID: acct.ID, Name: spec.Name,
			Objective: "OUTCOME_ENGAGEMENT", BuyingType: "AUCTION", Status: "ACTIVE", Created: created}
		s.claimID("campaign", spec.CampaignID)
	}
	if s.st.adsets[spec.AdSetID] == nil {
		s.st.adsets[spec.AdSetID] = &AdSet{ID: spec.AdSetID, AccountID: acct.ID, CampaignID: spec.CampaignID,
			Name: spec.Name + " ad set", Status: "ACTIVE", DestinationType: "MESSENGER", OptimizationGoal: "CONVERSATIONS",
			BillingEvent: "IMPRESSIONS", PromotedPageID: spec.PageID, DailyBudget: spec.DailyBudget, StartTime: s.sim,
			Created: created}
		s.claimID("adset", spec.AdSetID)
	}
	s.page(spec.PageID)
	for _, a := range spec.Ads {
		if s.st.creatives[a.CreativeID] == nil {
			s.st.creatives[a.CreativeID] = &Creative{ID: a.CreativeID, AccountID: acct.ID, Name: a.Name + " creative",
				PageID: spec.PageID, CallToAction: "MESSAGE_PAGE", Message: a.Name, Ref: a.Ref, Created: created}
			s.claimID("creative", a.CreativeID)
		}
		if s.st.ads[a.AdID] == nil {
			s.st.ads[a.AdID] = &Ad{ID: a.AdID, AccountID: acct.ID, AdSetID: spec.AdSetID, CreativeID: a.CreativeID,
				Name: a.Name, Status: "ACTIVE", Created: created}
			s.claimID("ad", a.AdID)
		}
	}
}

// claimID moves kind's counter to at least the number behind id, so that newID never hands it out; the
// mutex is held.
func (s *Sandbox) claimID(kind, id string) {
	n, err := strconv.ParseInt(id, 10, 64)
	base, ok := idBases[kind]
	if err != nil || !ok || n <= base {
		return
	}
	s.st.ids[kind] = max(s.st.ids[kind], n-base)
}

// SeedHistory gives an ad figures for each of the days account days before the one holding the simulated
// clock: its share of the ad set's daily budget, between 55 % and 95 % of it each day (below the budget, so
// that the 7-day cap leaves today's delivery its room), spread over the hours as people are online, at the
// ad's CPM and CTR. The figures depend only on the seed, the ad and the day; hours before the ad's first
// recorded hour only are filled, so seeding again changes nothing. Nobody is messaged: these conversations
// happened before the sandbox was watching.
func (s *Sandbox) SeedHistory(adID string, days int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ad := s.st.ads[adID]
	if ad == nil {
		return fmt.Errorf("sandbox: seed history: no ad %s", adID)
	}
	set := s.st.adsets[ad.AdSetID]
	if set == nil || set.DailyBudget <= 0 {
		return fmt.Errorf("sandbox: seed history: ad %s has no daily budget", adID)
	}
	acct := s.account(ad.AccountID)
	loc := location(acct.Timezone)
	siblings := 0
	for _, a := range s.st.ads {
		if a.AdSetID == set.ID {
			siblings++
		}
	}
	share := set.DailyBudget / int64(max(siblings, 1))
	today := localDate(s.sim, loc)
	limit := s.sim.Truncate(time.Hour)
	if rows := s.st.stats[adID]; len(rows) > 0 && rows[0].Hour.Before(limit) {
		limit = rows[0].Hour
	}
	base := seeded(s.o.Seed, "ad", ad.ID)
	cpmUSD := 4.5 + 7*base.Float64()
	ctr := 0.005 + 0.01*base.Float64()
	var out []HourStat
	for d := days; d >= 1; d-- {
		day := today.AddDate(0, 0, -d)
		r := seeded(s.o.Seed, "history", ad.ID, day.Format(time.DateOnly))
		target := float64(share) * (0.55 + 0.4*r.Float64())
		y, m, dd := day.Date()
		first := time.Date(y, m, dd, 0, 0, 0, 0, loc).Truncate(time.Hour)
		var hours []time.Time
		var sum float64
		for h := first; !localDate(h, loc).After(day); h = h.Add(time.Hour) {
			if localDate(h, loc).Equal(day) {
				hours = append(hours, h)
				sum += weightAt(h, loc)
			}
		}
		for _, h := range hours {
			if !h.Before(limit) {
				break
			}
			cpm := cpmUSD * (0.85 + 0.3*r.Float64()) * unitsPerUSD(acct.Currency)
			want := target * weightAt(h, loc) / sum
			impressions := int64(want * 1000 / cpm)
			if impressions <= 0 {
				continue
			}
			spend := int64(math.Round(float64(impressions) * cpm / 1000))
			clicks := min(impressions, int64(float64(impressions)*ctr*(0.8+0.4*r.Float64())+r.Float64()))
			reach := max(1, int64(float64(impressions)/(1.05+0.3*r.Float64())))
			conv := int64(float64(clicks) * (0.2 + 0.2*r.Float64()))
			out = append(out, HourStat{Hour: h.UTC(), Impressions: impressions, Reach: reach, Clicks: clicks, Spend: spend,
				Conversations: conv, FirstReplies: conv * 3 / 5})
		}
	}
	s.st.stats[adID] = append(out, s.st.stats[adID]...)
	return nil
}
