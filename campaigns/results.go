package campaigns

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// Results are a campaign's A/B results (DESIGN §5 "Reports and exports", README "A/B results"): per variant
// the sends and replies with the reply rate and its Wilson 95 % interval, the winner if the best rate is
// significantly better than every other (pooled two-proportion z-tests, Bonferroni-corrected), the lift
// against the holdout and, while no variant wins, about how many more recipients a decision needs.
type Results struct {
	CampaignID string          `json:"campaign_id"`
	Variants   []VariantResult `json:"variants"`
	// Holdout is the held-out members' side; nil when the campaign held nobody out.
	Holdout *HoldoutResult `json:"holdout"`
	// Winner is the key of the variant with a significantly better rate than every other ("" for none).
	Winner string `json:"winner"`
	// Best is the variant with the highest rate so far, significant or not ("" without any delivery).
	Best string `json:"best"`
	// PValue is the weakest comparison of the best variant with another, Bonferroni-adjusted: the largest
	// pairwise p-value times the number of comparisons (at most 1). nil with one variant or an empty side.
	PValue *float64 `json:"p_value"`
	// Alpha is the level PValue is compared with; Comparisons is how many pairwise tests were made (k − 1).
	Alpha       float64 `json:"alpha"`
	Comparisons int     `json:"comparisons"`
	Significant bool    `json:"significant"`
	// LiftVsHoldout is the rate of all variants together minus the holdout's rate (nil without both).
	LiftVsHoldout *Lift `json:"lift_vs_holdout"`
	// MoreRecipientsNeeded is, while there is no winner, about how many more recipients the test needs to
	// reach 80 % power at Alpha for the differences seen so far; nil once there is a winner, or when it
	// cannot be told (one variant, a variant not yet delivered, or no difference seen).
	MoreRecipientsNeeded *int64 `json:"more_recipients_needed"`
	// ReplyWindowHours is the window within which an inbound message counts as a reply.
	ReplyWindowHours int `json:"reply_window_hours"`
}

// VariantResult is one variant's figures. Sent counts the sends that went out (sent, delivered, read,
// replied), Delivered those that reached the person (delivered, read, replied), Replies the replied ones;
// Rate is Replies ÷ Delivered as a share (0.12 = 12 %), nil before any delivery.
type VariantResult struct {
	Key         string      `json:"key"`
	Weight      int         `json:"weight"`
	Removed     bool        `json:"removed,omitempty"`
	Sent        int64       `json:"sent"`
	Delivered   int64       `json:"delivered"`
	Replies     int64       `json:"replies"`
	Conversions int64       `json:"conversions"`
	Rate        *float64    `json:"rate"`
	CI95        *[2]float64 `json:"ci95"`
	// PValueVsBest is the unadjusted p-value of this variant against the best one (nil for the best).
	PValueVsBest *float64 `json:"p_value_vs_best"`
	// LiftVsHoldout is this variant's rate minus the holdout's.
	LiftVsHoldout *Lift `json:"lift_vs_holdout"`
}

// HoldoutResult is the held-out members' side: Members were routed to the holdout (they receive nothing),
// Replies wrote within the reply window after their slot, Conversions converted within the conversion
// window after it; Rate is Replies ÷ Members.
type HoldoutResult struct {
	Members     int64       `json:"members"`
	Replies     int64       `json:"replies"`
	Conversions int64       `json:"conversions"`
	Rate        *float64    `json:"rate"`
	CI95        *[2]float64 `json:"ci95"`
}

// Lift is a difference of two reply rates in shares (0.03 = three percentage points), with Newcombe's
// hybrid score 95 % interval.
type Lift struct {
	Value float64    `json:"value"`
	CI95  [2]float64 `json:"ci95"`
}

// ConversionCounts are the conversions a results read attributes: per variant key, and of held-out members.
type ConversionCounts struct {
	ByVariant map[string]int64
	Holdout   int64
}

// ConversionCounter counts a campaign's conversions (attribution provides it; nil counts none).
type ConversionCounter func(ctx context.Context, campaignID string) (ConversionCounts, error)

// sentStatuses are the statuses of a send that went out; deliveredStatuses those that reached the person.
var (
	sentStatuses      = []string{SendSent, SendDelivered, SendRead, SendReplied}
	deliveredStatuses = []string{SendDelivered, SendRead, SendReplied}
)

// Results reads a campaign's A/B results. Counts are per send (a person in three slots counts three times).
func (s *Store) Results(ctx context.Context, id string, conv ConversionCounter) (Results, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return Results{}, err
	}
	var rows []struct {
		Variant, Status string
		N, Replied      int64
	}
	if err := s.db.R.WithContext(ctx).Raw(`SELECT variant, status, COUNT(*) AS n, SUM(CASE WHEN replied_at > 0 THEN 1 ELSE 0 END) AS replied
		FROM campaign_sends WHERE campaign_id = ? AND tenant_id = ? AND brand_id = ? GROUP BY variant, status`,
		c.ID, s.tenant, s.brand.ID).Scan(&rows).Error; err != nil {
		return Results{}, fmt.Errorf("campaigns: results: %w", err)
	}
	counts := ConversionCounts{}
	if conv != nil {
		if counts, err = conv(ctx, c.ID); err != nil {
			return Results{}, err
		}
	}
	byKey := map[string]*VariantResult{}
	var vs []*VariantResult
	for _, v := range c.Variants {
		r := &VariantResult{Key: v.Key, Weight: v.Weight}
		byKey[v.Key], vs = r, append(vs, r)
	}
	var hold HoldoutResult
	for _, r := range rows {
		if r.Status == SendHoldout {
			hold.Members += r.N
			hold.Replies += r.Replied
			continue
		}
		if !slices.Contains(sentStatuses, r.Status) {
			continue
		}
		v := byKey[r.Variant]
		if v == nil {
			// A variant removed after it was sent keeps its figures.
			v = &VariantResult{Key: r.Variant, Removed: true}
			byKey[r.Variant], vs = v, append(vs, v)
		}
		v.Sent += r.N
		if slices.Contains(deliveredStatuses, r.Status) {
			v.Delivered += r.N
		}
		if r.Status == SendReplied {
			v.Replies += r.N
		}
	}
	hold.Conversions = counts.Holdout
	out := Results{CampaignID: c.ID, ReplyWindowHours: int(DefaultReplyWindow.Hours()), Alpha: Alpha}
	for _, v := range vs {
		v.Conversions = counts.ByVariant[v.Key]
		out.Variants = append(out.Variants, *v)
	}
	if hold.Members > 0 {
		out.Holdout = &hold
	}
	Analyze(&out)
	return out, nil
}

// Analyze fills the rates, intervals, tests, winner, lifts and sample-size estimate of results whose counts
// are set; it reads nothing else, so that the statistics are tested on their own.
func Analyze(r *Results) {
	r.Alpha, r.Winner, r.Best, r.PValue, r.Significant, r.MoreRecipientsNeeded = Alpha, "", "", nil, false, nil
	var pooledX, pooledN, sent int64
	best := -1
	for i := range r.Variants {
		v := &r.Variants[i]
		v.Rate, v.CI95, v.PValueVsBest, v.LiftVsHoldout = rateOf(v.Replies, v.Delivered)
		pooledX, pooledN, sent = pooledX+v.Replies, pooledN+v.Delivered, sent+v.Sent
		if v.Rate != nil && (best < 0 || *v.Rate > *r.Variants[best].Rate) {
			best = i
		}
	}
	if h := r.Holdout; h != nil {
		h.Rate, h.CI95, _, _ = rateOf(h.Replies, h.Members)
		r.LiftVsHoldout = lift(pooledX, pooledN, h.Replies, h.Members)
		for i := range r.Variants {
			r.Variants[i].LiftVsHoldout = lift(r.Variants[i].Replies, r.Variants[i].Delivered, h.Replies, h.Members)
		}
	}
	k := len(r.Variants)
	r.Comparisons = max(k-1, 0)
	if best < 0 {
		return
	}
	b := &r.Variants[best]
	r.Best = b.Key
	if k < 2 {
		return
	}
	// The best variant against each other one; with k − 1 tests each is held to Alpha/(k − 1) (Bonferroni),
	// the same as holding the largest p-value times k − 1 to Alpha.
	worst, complete := 0.0, true
	alphaEach := Alpha / float64(k-1)
	var needBest, needOthers int64
	sizesKnown := true
	for i := range r.Variants {
		if i == best {
			continue
		}
		v := &r.Variants[i]
		p, ok := twoProportionP(b.Replies, b.Delivered, v.Replies, v.Delivered)
		if !ok {
			complete, sizesKnown = false, false
			continue
		}
		v.PValueVsBest = &p
		worst = math.Max(worst, p)
		n, ok := sampleSize(*b.Rate, *v.Rate, alphaEach, Power)
		if !ok {
			sizesKnown = false
			continue
		}
		needBest = max(needBest, n)
		needOthers += max(n-v.Delivered, 0)
	}
	if !complete {
		return
	}
	adj := math.Min(1, worst*float64(k-1))
	r.PValue = &adj
	if adj < Alpha {
		r.Significant, r.Winner = true, b.Key
		return
	}
	if !sizesKnown || pooledN == 0 {
		return
	}
	// The sizes are delivered recipients; at the delivery share seen so far it takes more sends than that.
	delivered := float64(max(needBest-b.Delivered, 0) + needOthers)
	more := int64(math.Ceil(delivered * float64(sent) / float64(pooledN)))
	r.MoreRecipientsNeeded = &more
}

// rateOf is x ÷ n with its Wilson interval (nil, nil for n = 0), and empty comparison fields.
func rateOf(x, n int64) (*float64, *[2]float64, *float64, *Lift) {
	lo, hi, ok := wilson(x, n, z95)
	if !ok {
		return nil, nil, nil, nil
	}
	rate := float64(x) / float64(n)
	return &rate, &[2]float64{lo, hi}, nil, nil
}

// lift is x1/n1 − x2/n2 with Newcombe's interval, nil when a side is empty.
func lift(x1, n1, x2, n2 int64) *Lift {
	d, lo, hi, ok := diffInterval(x1, n1, x2, n2)
	if !ok {
		return nil
	}
	return &Lift{Value: d, CI95: [2]float64{lo, hi}}
}
