package attribution

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"relance/conversations"
	"relance/tenancy"
)

// ingestEnv is an env whose Page is connected, with an ingester observed by attribution.
type ingestEnv struct {
	*env
	in *conversations.Ingester
}

func newIngestEnv(t *testing.T, fold time.Duration) *ingestEnv {
	t.Helper()
	ctx := context.Background()
	e := newEnv(t, false)
	v, _ := tenancy.NewVault([]byte("0123456789abcdef0123456789abcdef"))
	ts, err := tenancy.NewStore(ctx, e.db, v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Tenant(e.tenant).ConnectPage(ctx, e.brand.ID, tenancy.PageInput{PageID: testPage, Name: "Page", AccessToken: "EAAB-test-page-token"}); err != nil {
		t.Fatal(err)
	}
	e.campaign(t, "camp-a", "summer", "poster")
	e.campaign(t, "camp-b", "")
	in := conversations.NewIngester(e.db, v, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)), 100)
	in.FoldEvery(fold)
	in.Observe(NewTracker(e.db).Observer())
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { in.Run(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return &ingestEnv{env: e, in: in}
}

// dump lists every conversation and touch of the brand (touch ids left out: they are random).
func (e *ingestEnv) dump(t *testing.T) string {
	t.Helper()
	var convs []struct {
		PSID      string `gorm:"column:psid"`
		StartedAt int64
		Kind      string
	}
	if err := e.db.R.Raw("SELECT psid, started_at, kind FROM attr_conversations WHERE brand_id = ? ORDER BY psid, started_at",
		e.brand.ID).Scan(&convs).Error; err != nil {
		t.Fatal(err)
	}
	var touches []struct {
		PSID                                                       string `gorm:"column:psid"`
		ConversationAt, At                                         int64
		Type, TouchKey, CampaignID, Variant, AdID, Ref, Link, Send string
	}
	if err := e.db.R.Raw(`SELECT psid, conversation_at, at, type, touch_key, campaign_id, variant, ad_id, ref, link, send_id AS send
		FROM attr_touches WHERE brand_id = ? ORDER BY psid, conversation_at, type, touch_key`, e.brand.ID).Scan(&touches).Error; err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, c := range convs {
		fmt.Fprintf(&b, "conversation %s %d %s\n", c.PSID, c.StartedAt, c.Kind)
	}
	for _, x := range touches {
		fmt.Fprintf(&b, "touch %+v\n", x)
	}
	return b.String()
}

// script is a reproducible series of deliveries for testPage: messages, echoes, postbacks with refs, referrals,
// quick replies, from a few people, with silences around the default 24-hour gap. With ordered set, each
// person's events arrive in time order; otherwise some arrive late, after later ones.
func script(seed uint64, n int, ordered bool) [][]byte {
	r := rand.New(rand.NewPCG(seed, 7))
	psids := []string{psid1, psid2, "7300000000000003", "7300000000000004", "7300000000000005"}
	clock := hours(0).UnixMilli()
	var out [][]byte
	for d := 0; d < n; d++ {
		switch r.IntN(4) {
		case 0:
			clock += int64(r.IntN(30)) * 3600_000 // sometimes past the gap
		default:
			clock += int64(r.IntN(120)) * 60_000
		}
		var items []string
		for i := range 1 + r.IntN(5) {
			psid := psids[r.IntN(len(psids))]
			at := clock + int64(i)*1000
			if !ordered && r.IntN(5) == 0 {
				at -= int64(r.IntN(48)) * 3600_000
			}
			head := fmt.Sprintf(`"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d`, psid, testPage, at)
			mid := fmt.Sprintf("m.%d.%d", d, i)
			var body string
			switch k := r.IntN(10); {
			case k < 5:
				body = head + `,"message":{"mid":"` + mid + `","text":"bonjour, 06 12 34 56 78"}`
			case k == 5:
				body = fmt.Sprintf(`"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%d,"message":{"is_echo":true,"mid":"%s","text":"merci"}`,
					testPage, psid, at, mid)
			case k == 6:
				body = head + `,"postback":{"title":"Go","payload":"ICE|ref=summer","mid":"` + mid + `"}`
			case k == 7:
				body = head + `,"referral":{"source":"SHORTLINK","type":"OPEN_THREAD","ref":"summer.poster"}`
			case k == 8:
				body = head + `,"message":{"mid":"` + mid + `","text":"oui","quick_reply":{"payload":"camp-b"}}`
			default:
				body = head + `,"referral":{"source":"ADS","type":"OPEN_THREAD","ad_id":"9001","ads_context_data":{"ad_title":"Outside"}}`
			}
			items = append(items, "{"+body+"}")
		}
		out = append(out, []byte(`{"object":"page","entry":[{"id":"`+testPage+`","time":1,"messaging":[`+strings.Join(items, ",")+`]}]}`))
	}
	return out
}

// TestFoldedIngestGivesWhatInlineGave ingests the same deliveries with contacts written in each commit and with
// them folded later (some folds in between, most events still queued when the next delivery comes): the
// conversations, touches and a rebuild are the same, because attribution reads the queued deltas too.
func TestFoldedIngestGivesWhatInlineGave(t *testing.T) {
	for _, c := range []struct {
		name    string
		seed    uint64
		ordered bool
	}{{"in order", 1, true}, {"some late", 2, false}} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			inline, folded := newIngestEnv(t, 0), newIngestEnv(t, time.Hour)
			for _, e := range []*ingestEnv{inline, folded} {
				e.send(t, "send-1", "camp-b", "A", psid2, "delivered", hours(1))
				e.send(t, "send-2", "camp-a", "B", psid1, "read", hours(30))
			}
			for d, body := range script(c.seed, 60, c.ordered) {
				entries, err := conversations.Parse(body, conversations.ParseOptions{})
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range []*ingestEnv{inline, folded} {
					if _, err := e.in.Submit(ctx, entries); err != nil {
						t.Fatal(err)
					}
				}
				if d%7 == 6 {
					if err := folded.in.Fold(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			var queued int64
			folded.db.R.Raw("SELECT COUNT(*) FROM contact_fold_queue").Scan(&queued)
			if queued == 0 {
				t.Fatal("nothing queued: the folded run folded in the commit")
			}
			want, got := inline.dump(t), folded.dump(t)
			if !strings.Contains(want, " returning\n") || !strings.Contains(want, "send_reply") || !strings.Contains(want, "ref_link") {
				t.Fatalf("the script misses a case:\n%s", want)
			}
			if got != want {
				t.Fatalf("folded ingest differs from inline:\nfolded:\n%s\ninline:\n%s", got, want)
			}
			if err := folded.in.Fold(ctx); err != nil {
				t.Fatal(err)
			}
			var sums []RebuildSummary
			for _, e := range []*ingestEnv{inline, folded} {
				s, err := NewTracker(e.db).Rebuild(ctx, e.tenant, e.brand.ID)
				if err != nil {
					t.Fatal(err)
				}
				sums = append(sums, s)
			}
			if sums[0] != sums[1] {
				t.Errorf("rebuild summaries differ: inline %+v, folded %+v", sums[0], sums[1])
			}
			rebuilt := inline.dump(t)
			if got := folded.dump(t); got != rebuilt {
				t.Errorf("rebuilds differ:\nfolded:\n%s\ninline:\n%s", got, rebuilt)
			}
			if c.ordered && rebuilt != want {
				t.Errorf("in time order, a rebuild gives what ingestion gave:\nrebuilt:\n%s\ningested:\n%s", rebuilt, want)
			}
		})
	}
}
