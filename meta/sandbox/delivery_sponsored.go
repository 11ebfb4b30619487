package sandbox

import (
	"slices"
	"sort"
	"time"
)

// Sponsored messages (meta-2017, DESIGN §5 "Routing details"): an ad set placed on messenger_positions
// ["sponsored_messages"] delivers its active ads' creative text into the existing threads of the people of
// its custom audiences, once per person and ad, on the creative's Page: the message appears in the thread,
// with its echo (no metadata: an ad is not a Send API call), delivery and read receipts, and sometimes a
// reply. People without a thread, or who blocked the Page, get nothing, as on Meta. The reach of a
// sponsored message is not bounded by the budget in the sandbox: audiences are the run's recipients.

// deliverSponsored sends the due sponsored messages at simulated time at; the mutex is held.
func (s *Sandbox) deliverSponsored(at time.Time) {
	ids := make([]string, 0)
	for id, ad := range s.st.ads {
		set := s.st.adsets[ad.AdSetID]
		if set != nil && slices.Contains(set.Targeting.MessengerPositions, "sponsored_messages") {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		ad := s.st.ads[id]
		if s.effectiveStatus(ad, at) != "ACTIVE" {
			continue
		}
		set, cr := s.st.adsets[ad.AdSetID], s.st.creatives[ad.CreativeID]
		if cr == nil || (!set.StartTime.IsZero() && at.Before(set.StartTime)) || (!set.EndTime.IsZero() && !at.Before(set.EndTime)) {
			continue
		}
		if ad.Delivered == nil {
			ad.Delivered = map[Member]bool{}
		}
		for _, ref := range set.Targeting.CustomAudiences {
			aud := s.st.audiences[ref.ID]
			if aud == nil {
				continue
			}
			members := make([]Member, 0, len(aud.Members))
			for m := range aud.Members {
				members = append(members, m)
			}
			sort.Slice(members, func(i, j int) bool { return members[i].PSID < members[j].PSID })
			for _, m := range members {
				if m.PageID != cr.PageID || ad.Delivered[m] || excluded(s, set, m) {
					continue
				}
				t := s.knownThread(m.PageID, m.PSID)
				if t == nil || t.Blocked {
					continue
				}
				ad.Delivered[m] = true
				mid := "m_sbx" + s.newID("mid")[len("mid_"):]
				s.st.sends = append(s.st.sends, Send{MessageID: mid, PageID: m.PageID, PSID: m.PSID,
					MessagingType: "SPONSORED_MESSAGE", Text: cr.Message, AdID: ad.ID, At: at})
				t.Messages = append(t.Messages, ThreadMessage{ID: mid, At: at, FromPage: true, Text: cr.Message})
				s.echo(m.PageID, m.PSID, mid, cr.Message, nil, "")
				s.receipts(t, mid)
				s.maybeReply(t, mid)
			}
		}
	}
}

// excluded reports whether a person is in one of the ad set's excluded audiences.
func excluded(s *Sandbox, set *AdSet, m Member) bool {
	for _, ref := range set.Targeting.ExcludedCustomAudiences {
		if aud := s.st.audiences[ref.ID]; aud != nil && aud.Members[m] {
			return true
		}
	}
	return false
}
