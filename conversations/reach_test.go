package conversations_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"relance/conversations"
	"relance/policy"
	"relance/tenancy"
)

// TestReachabilitySQLMatchesClassify generates contacts around the window edges and checks, for both
// profiles and every class, that the SQL filter selects exactly the contacts Classify puts in that class.
func TestReachabilitySQLMatchesClassify(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	n := now.UnixMilli()
	rng := rand.New(rand.NewPCG(7, 11))
	day := int64(24 * time.Hour / time.Millisecond)
	// Offsets cluster on the edges (exactly 24 h, 7 days, ±1 ms) where an off-by-one would hide.
	offsets := []int64{0, 1, -1, day, day - 1, day + 1, 7 * day, 7*day - 1, 7*day + 1, 3 * day, 30 * day, 2 * 3600 * 1000}
	pick := func() int64 {
		if rng.IntN(5) == 0 {
			return 0
		}
		return n - offsets[rng.IntN(len(offsets))]
	}
	zones := []string{"", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Europe/Zurich", "Asia/Jakarta", "Australia/Sydney", "UTC"}
	type row struct {
		psid                              string
		in, inter, out, optinAt, optinExp int64
		inCount                           int64
		subscribed, blocked, unavailable  bool
		tz                                string
	}
	var rows []row
	for i := 0; i < 600; i++ {
		r := row{psid: fmt.Sprintf("74%06d", i), in: pick(), inter: pick(), out: pick(), tz: zones[rng.IntN(len(zones))],
			blocked: rng.IntN(12) == 0, unavailable: rng.IntN(12) == 0, subscribed: rng.IntN(2) == 0}
		if r.in > 0 {
			r.inCount = 1 + rng.Int64N(5)
		}
		if rng.IntN(2) == 0 {
			r.optinAt = n - rng.Int64N(40*day)
			if rng.IntN(3) > 0 {
				r.optinExp = n + (rng.Int64N(3)-1)*day + rng.Int64N(2)
			}
		}
		rows = append(rows, r)
		if err := e.db.W.Exec(`INSERT INTO contacts (id, tenant_id, brand_id, page_id, psid, first_seen_at, last_inbound_at,
			last_interaction_at, last_outbound_at, inbound_count, optin_at, subscribed, optin_timezone, optin_expires_at,
			blocked, unavailable, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			tenancy.NewID(), e.tenant.ID, e.brand.ID, fixturePage, r.psid, r.in, r.inter, r.out, r.inCount, r.optinAt,
			r.subscribed, r.tz, r.optinExp, r.blocked, r.unavailable).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, profile := range policy.Profiles {
		want := map[string][]string{}
		for _, r := range rows {
			pc := policy.Contact{HasThread: r.inCount > 0 || r.inter > 0, Blocked: r.blocked, Unavailable: r.unavailable,
				OptedIn: r.optinAt > 0, OptInTimezone: r.tz, OptInStatus: policy.OptInStopped}
			if r.subscribed {
				pc.OptInStatus = policy.OptInActive
			}
			pc.LastInboundAt, pc.LastInteractionAt, pc.LastOutboundAt = msTime(r.in), msTime(r.inter), msTime(r.out)
			pc.OptInTokenExpiresAt = msTime(r.optinExp)
			c := policy.Classify(profile, pc, now).Class
			want[c] = append(want[c], r.psid)
		}
		for _, class := range policy.Classes {
			var got []string
			cursor := ""
			for {
				page, err := e.reader.Contacts(ctx, profile, conversations.Filter{Reachability: class, Now: now}, cursor, 200)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page.Contacts {
					got = append(got, c.PSID)
					if c.Reachability.Class != class {
						t.Errorf("%s %s: listed %s as %s", profile, class, c.PSID, c.Reachability.Class)
					}
				}
				if cursor = page.Next; cursor == "" {
					break
				}
			}
			sort.Strings(got)
			sort.Strings(want[class])
			applicable := !(profile == policy.Meta2017 && class == policy.HumanAgent) && !(profile == policy.MetaCurrent && class == policy.FollowUp)
			if applicable && len(want[class]) == 0 {
				t.Errorf("%s %s: the generated contacts never fall in this class; the test would prove nothing", profile, class)
			}
			if fmt.Sprint(got) != fmt.Sprint(want[class]) {
				t.Errorf("%s %s: SQL selects %d contacts, Classify %d", profile, class, len(got), len(want[class]))
			}
		}
	}
}

func msTime(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}
