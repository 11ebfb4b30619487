package sandbox

import (
	"errors"
	"fmt"
	"time"
)

// reviewTime is how long a new ad stays in PENDING_REVIEW before it may deliver.
const reviewTime = 10 * time.Minute

// effectiveStatus is an ad's effective_status at a simulated time, as Meta derives it from the ad, its ad
// set and its campaign (reference §3); the mutex is held. Only "ACTIVE" delivers.
func (s *Sandbox) effectiveStatus(ad *Ad, at time.Time) string {
	switch ad.Status {
	case "DELETED", "ARCHIVED":
		return ad.Status
	}
	set := s.st.adsets[ad.AdSetID]
	if set == nil {
		return "WITH_ISSUES"
	}
	camp := s.st.campaigns[set.CampaignID]
	switch {
	case camp == nil:
		return "WITH_ISSUES"
	case camp.Status == "DELETED" || camp.Status == "ARCHIVED":
		return camp.Status
	case set.Status == "DELETED" || set.Status == "ARCHIVED":
		return set.Status
	case camp.Status == "PAUSED":
		return "CAMPAIGN_PAUSED"
	case set.Status == "PAUSED":
		return "ADSET_PAUSED"
	case ad.Status == "PAUSED":
		return "PAUSED"
	case ad.Review == "DISAPPROVED":
		return "DISAPPROVED"
	case ad.Review == "WITH_ISSUES":
		return "WITH_ISSUES"
	case at.Before(ad.Created.Add(reviewTime)):
		return "PENDING_REVIEW"
	}
	return "ACTIVE"
}

// ErrNoSuchAd means SetReview named an ad the sandbox does not hold.
var ErrNoSuchAd = errors.New("sandbox: no such ad")

// SetReview decides an ad's review as Meta's reviewers would, for tests and demos: "DISAPPROVED" with the
// reason shown in ad_review_feedback, "WITH_ISSUES" with the reason in issues_info, or "" to approve it.
func (s *Sandbox) SetReview(adID, review, reason string) error {
	switch review {
	case "", "DISAPPROVED", "WITH_ISSUES":
	default:
		return fmt.Errorf("sandbox: review %q is not DISAPPROVED, WITH_ISSUES or empty", review)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ad := s.st.ads[adID]
	if ad == nil {
		return fmt.Errorf("%w: %s", ErrNoSuchAd, adID)
	}
	ad.Review, ad.ReviewReason = review, reason
	return nil
}
