package campaigns

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"relance/conversations"
	"relance/policy"
	"relance/tenancy"
)

// Routes of a recipient at a send slot (DESIGN §5 "A send slot").
const (
	RouteFree     = "free"
	RouteFollowUp = "follow_up"
	RoutePaid     = "paid"
	RouteAdsOnly  = "ads_only"
	RouteSkipped  = "skipped"
	RouteHoldout  = "holdout"
)

// Skip reasons.
const (
	SkipCapped      = "capped"
	SkipUnreachable = "unreachable"
	SkipQuietHours  = "quiet_hours"
	SkipNoToken     = "no_token"
	SkipPolicy      = "policy"
)

// previewSample is how many recipients a preview lists.
const previewSample = 20

// Preview is what the next send slot would do now, without sending anything.
type Preview struct {
	// Slot is the next slot (UTC); SendAt is when its messages would go, later than Slot in quiet hours.
	Slot   *time.Time `json:"slot"`
	SendAt *time.Time `json:"send_at,omitempty"`
	// Count is the recipients considered: the include audiences' latest snapshots minus the exclude ones, on
	// the campaign's Page.
	Count    int            `json:"count"`
	Routes   map[string]int `json:"routes"`
	Variants map[string]int `json:"variants"`
	Holdout  int            `json:"holdout"`
	Skipped  map[string]int `json:"skipped"`
	// OtherPages counts members on the brand's other Pages: a campaign speaks from one Page, and PSIDs are
	// Page-scoped.
	OtherPages int         `json:"other_pages"`
	Sample     []Recipient `json:"sample"`
	// Snapshots names the snapshot each audience was read from.
	Snapshots map[string]string `json:"snapshots"`
	Notes     []string          `json:"notes"`
}

// Recipient is one member's route at the slot.
type Recipient struct {
	PageID    string `json:"page_id"`
	PSID      string `json:"psid"`
	ContactID string `json:"contact_id,omitempty"`
	Variant   string `json:"variant,omitempty"`
	Route     string `json:"route"`
	Reason    string `json:"reason,omitempty"`
}

// Route decides one member's route from its reachability at send time (DESIGN §5): a campaign message is
// never a human-agent message, so human_agent goes to ads like ads_only; unreachable is skipped.
func Route(r policy.Reach) (route, reason string) {
	switch r.Class {
	case policy.Free:
		return RouteFree, ""
	case policy.FollowUp:
		return RouteFollowUp, ""
	case policy.Paid:
		return RoutePaid, ""
	case policy.HumanAgent, policy.AdsOnly:
		return RouteAdsOnly, r.Reason
	case policy.Unreachable:
		return RouteSkipped, SkipUnreachable
	}
	return RouteSkipped, SkipPolicy // an unknown class is never sent to
}

// bucket hashes a member into [0, n): the same person, campaign and salt always land in the same bucket, so
// holdout and variant assignment survive restarts, retries and other instances.
func bucket(salt, campaignID, pageID, psid string, n uint64) uint64 {
	h := fnv.New64a()
	for _, s := range []string{salt, campaignID, pageID, psid} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return h.Sum64() % n
}

// InHoldout reports whether a member is held out of a campaign (percent of 100, in steps of 0.01 %).
func InHoldout(campaignID, pageID, psid string, percent int) bool {
	return bucket("holdout", campaignID, pageID, psid, 10000) < uint64(percent)*100
}

// VariantOf picks a member's variant by weight, deterministically.
func VariantOf(campaignID, pageID, psid string, variants []Variant) string {
	total := 0
	for _, v := range variants {
		total += v.Weight
	}
	if total <= 0 {
		return ""
	}
	b := int(bucket("variant", campaignID, pageID, psid, uint64(total)))
	for _, v := range variants {
		if b < v.Weight {
			return v.Key
		}
		b -= v.Weight
	}
	return variants[len(variants)-1].Key
}

// quietDelay returns when a message due at t may go: t itself, or the end of the brand's quiet hours.
func quietDelay(t time.Time, q tenancy.QuietHours, tz string) time.Time {
	from, err1 := tenancy.ParseClock(q.From)
	to, err2 := tenancy.ParseClock(q.To)
	loc, err3 := time.LoadLocation(tz)
	if err1 != nil || err2 != nil || err3 != nil || from == to {
		return t
	}
	local := t.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	tod := local.Sub(day)
	quiet := (from < to && tod >= from && tod < to) || (from > to && (tod >= from || tod < to))
	if !quiet {
		return t
	}
	endDay := day
	if tod >= to { // quiet hours that began this evening end tomorrow morning
		endDay = day.AddDate(0, 0, 1)
	}
	end := time.Date(endDay.Year(), endDay.Month(), endDay.Day(), int(to/time.Hour), int(to%time.Hour/time.Minute), 0, 0, loc)
	return end.UTC()
}

// ErrNoSlots means the campaign has no send slots to preview (an ads campaign).
var ErrNoSlots = fmt.Errorf("%w: only sponsored messages have send slots", tenancy.ErrConflict)

// PreviewSlot routes every member of the campaign's audiences as the next slot would, reading the
// audiences' latest snapshots (a real slot builds them fresh first) and streaming the members, so memory
// does not grow with the audience. Nothing is sent or written.
func (s *Store) PreviewSlot(ctx context.Context, id string) (Preview, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return Preview{}, err
	}
	if c.Kind != KindSponsoredMessage {
		return Preview{}, ErrNoSlots
	}
	p := Preview{Routes: map[string]int{RouteFree: 0, RouteFollowUp: 0, RoutePaid: 0, RouteAdsOnly: 0},
		Variants: map[string]int{}, Skipped: map[string]int{SkipCapped: 0, SkipUnreachable: 0, SkipQuietHours: 0, SkipNoToken: 0, SkipPolicy: 0},
		Snapshots: map[string]string{}, Sample: []Recipient{}, Notes: []string{}}
	for _, v := range c.Variants {
		p.Variants[v.Key] = 0
	}
	now := s.opts.Now()
	after := now
	if c.StartsAt != nil && c.StartsAt.After(after) {
		after = *c.StartsAt
	}
	slot, err := s.opts.NextRun(c.Schedule.SendCron, s.brand.Timezone, after)
	if err != nil {
		return Preview{}, &tenancy.ValidationError{Fields: map[string]string{"schedule.send_cron": err.Error()}}
	}
	if c.EndsAt != nil && !slot.Before(*c.EndsAt) {
		p.Notes = append(p.Notes, "no slot before the flight ends")
		return p, nil
	}
	slot = slot.UTC()
	settings := s.brand.Settings.Effective()
	sendAt := quietDelay(slot, settings.QuietHours, s.brand.Timezone)
	p.Slot, p.SendAt = &slot, &sendAt
	if c.EndsAt != nil && !sendAt.Before(*c.EndsAt) {
		p.Notes = append(p.Notes, "the slot falls in quiet hours that last past the end of the flight: every member would be skipped")
	}
	if !sendAt.Equal(slot) {
		p.Notes = append(p.Notes, "the slot falls in the brand's quiet hours: messages wait until "+sendAt.Format(time.RFC3339))
	}
	include, err := s.latestSnapshots(ctx, c.Audiences.Include, &p)
	if err != nil {
		return Preview{}, err
	}
	exclude, err := s.latestSnapshots(ctx, c.Audiences.Exclude, &p)
	if err != nil {
		return Preview{}, err
	}
	if len(include) == 0 {
		return p, nil
	}
	return p, s.routeMembers(ctx, c, include, exclude, 0, sendAt, c.EndsAt != nil && !sendAt.Before(*c.EndsAt), &p, nil)
}

// latestSnapshots finds each audience's latest snapshot; an audience never built is noted and skipped.
func (s *Store) latestSnapshots(ctx context.Context, audienceIDs []string, p *Preview) ([]string, error) {
	var out []string
	for _, a := range audienceIDs {
		var ids []string
		err := s.db.R.WithContext(ctx).Table("audience_snapshots").Where("tenant_id = ? AND brand_id = ? AND audience_id = ?", s.tenant, s.brand.ID, a).
			Order("seq DESC").Limit(1).Pluck("id", &ids).Error
		if err != nil {
			return nil, fmt.Errorf("campaigns: preview: snapshots: %w", err)
		}
		if len(ids) == 0 {
			p.Notes = append(p.Notes, "audience "+a+" was never built: it adds nobody")
			continue
		}
		p.Snapshots[a] = ids[0]
		out = append(out, ids[0])
	}
	return out, nil
}

// routeMembers streams the distinct members of the include snapshots, minus those of the exclude ones,
// with their contact state, and routes each; emit, when set, receives every member on the campaign's Page (a
// send slot writes them down), after it is counted in p.
// slot is the run's slot (its own sends do not count against the frequency cap; 0 for a preview).
func (s *Store) routeMembers(ctx context.Context, c Campaign, include, exclude []string, slot int64, sendAt time.Time, allQuiet bool, p *Preview, emit func(Recipient) error) error {
	cols := make([]string, 0, 12)
	for _, col := range strings.Split(conversations.PolicyColumns, ",") {
		cols = append(cols, "COALESCE(c."+strings.TrimSpace(col)+", "+zeroOf(strings.TrimSpace(col))+")")
	}
	// The last column says whether the member holds a Marketing Messages token: a paid route under
	// meta-current without one is skipped no_token, in a preview as in a slot.
	q := "SELECT m.page_id, m.psid, COALESCE(c.id, ''), " + strings.Join(cols, ", ") + ", COALESCE(c.optin_token_enc, '') <> ''" +
		" FROM (SELECT DISTINCT page_id, psid FROM audience_members WHERE snapshot_id IN ?) m" +
		" LEFT JOIN contacts c ON c.tenant_id = ? AND c.brand_id = ? AND c.page_id = m.page_id AND c.psid = m.psid"
	args := []any{include, s.tenant, s.brand.ID}
	if len(exclude) > 0 {
		q += " WHERE NOT EXISTS (SELECT 1 FROM audience_members x WHERE x.snapshot_id IN ? AND x.page_id = m.page_id AND x.psid = m.psid)"
		args = append(args, exclude)
	}
	q += " ORDER BY m.page_id, m.psid"
	capped, err := s.capped(ctx, c, slot, sendAt)
	if err != nil {
		return err
	}
	rows, err := s.db.R.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return fmt.Errorf("campaigns: preview: members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Recipient
		var st conversations.PolicyState
		var token bool
		if err := rows.Scan(&r.PageID, &r.PSID, &r.ContactID, &st.InboundCount, &st.LastInboundAt, &st.LastInteractionAt,
			&st.LastOutboundAt, &st.OptinAt, &st.OptinExpiresAt, &st.Blocked, &st.Unavailable, &st.Subscribed, &st.OptinTimezone, &token); err != nil {
			return fmt.Errorf("campaigns: preview: scan: %w", err)
		}
		if r.PageID != c.PageID {
			p.OtherPages++
			continue
		}
		p.Count++
		switch {
		case InHoldout(c.ID, r.PageID, r.PSID, c.HoldoutPercent):
			r.Route = RouteHoldout
			p.Holdout++
		case capped[r.PageID+"\x00"+r.PSID]:
			r.Route, r.Reason = RouteSkipped, SkipCapped
			p.Skipped[SkipCapped]++
		case allQuiet:
			r.Route, r.Reason = RouteSkipped, SkipQuietHours
			p.Skipped[SkipQuietHours]++
		default:
			reach := policy.Classify(s.brand.Policy, st.Contact(), sendAt)
			r.Route, r.Reason = Route(reach)
			if r.Route == RoutePaid && s.brand.Policy != policy.Meta2017 && !token {
				// A Marketing Message goes to the person's subscription token: without one nobody can be paid
				// for. (Under meta-2017 the paid route is a sponsored-message ad to the thread: no token.)
				r.Route, r.Reason = RouteSkipped, SkipNoToken
			}
			if r.Route == RouteSkipped {
				p.Skipped[r.Reason]++
				break
			}
			p.Routes[r.Route]++
			if r.Route != RouteAdsOnly {
				r.Variant = VariantOf(c.ID, r.PageID, r.PSID, c.Variants)
				p.Variants[r.Variant]++
			}
		}
		if len(p.Sample) < previewSample {
			p.Sample = append(p.Sample, r)
		}
		if emit != nil {
			if err := emit(r); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("campaigns: preview: members: %w", err)
	}
	return nil
}

// zeroOf is the value a contacts column takes for a member relance never talked with.
func zeroOf(col string) string {
	switch col {
	case "blocked", "unavailable", "subscribed":
		return "FALSE"
	case "optin_timezone":
		return "''"
	}
	return "0"
}

// capped lists the members who already had the campaign's frequency cap of messages from the brand's
// campaigns within its days before sendAt (a send counts from the moment it may have gone: sent, unknown or
// later). The slot being run does not count against itself, so a rerun routes as the first run did. Only
// capped members are held, not every member.
func (s *Store) capped(ctx context.Context, c Campaign, slot int64, sendAt time.Time) (map[string]bool, error) {
	out := map[string]bool{}
	if c.FrequencyCap.Messages <= 0 || c.FrequencyCap.Days <= 0 {
		return out, nil
	}
	since := sendAt.AddDate(0, 0, -c.FrequencyCap.Days).UnixMilli()
	var rows []struct {
		PageID string
		PSID   string `gorm:"column:psid"`
	}
	err := s.db.R.WithContext(ctx).Table("campaign_sends").Select("page_id, psid").
		Where("tenant_id = ? AND brand_id = ? AND "+goneTerm("status")+" AND slot >= ? AND slot < ? AND NOT (campaign_id = ? AND slot = ?)",
			s.tenant, s.brand.ID, since, sendAt.UnixMilli(), c.ID, slot).
		Group("page_id, psid").Having("COUNT(*) >= ?", c.FrequencyCap.Messages).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: frequency cap: %w", err)
	}
	for _, r := range rows {
		out[r.PageID+"\x00"+r.PSID] = true
	}
	return out, nil
}
