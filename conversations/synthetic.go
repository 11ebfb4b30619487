package conversations

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// SandboxAppID is the app id relance uses with the Meta sandbox when meta.app_id is not set (it is the app of
// the shared webhook fixtures), so that the bot's own echoes are told from a person's.
const SandboxAppID = "555000000000001"

// Synthetic makes realistic webhook deliveries for demos and benchmarks: contacts arriving from ads, m.me
// links and organic search, writing in English and French with prices, dates, phone numbers and e-mails,
// answered by the bot or by a person in the Page Inbox, some opting in to Marketing Messages. The bodies
// are the JSON Meta sends, so they are stored through the same code path as real webhooks. The same seed
// gives the same deliveries.
type Synthetic struct {
	// Pages are the Page ids the contacts write to.
	Pages []string
	// AppID is relance's app id (the bot's echoes carry it).
	AppID string
	// End is the time of the newest event; history spreads over the Days before it.
	End  time.Time
	Days int
	// PSIDBase makes PSIDs unique per generator (e.g. per brand).
	PSIDBase int64
	rng      *rand.Rand
}

// NewSynthetic returns a generator seeded with seed.
func NewSynthetic(pages []string, appID string, end time.Time, seed uint64, psidBase int64) *Synthetic {
	if appID == "" {
		appID = SandboxAppID
	}
	return &Synthetic{Pages: pages, AppID: appID, End: end, Days: 60, PSIDBase: psidBase, rng: rand.New(rand.NewPCG(seed, seed^0x5eed))}
}

var (
	synthEN = []string{
		"Hi! How much is the {item}?", "Hello, is the {item} still available?", "Do you deliver to {place} tomorrow?",
		"Can I book a table for 4 on Friday at 8pm?", "My number is +1 415 555 {nnnn}, call me please",
		"You can reach me at {email}", "Thanks a lot, see you soon!", "Is the 20% discount valid until Sunday?",
		"I paid ${n}.99 but didn't get a receipt", "What are your opening hours on Saturday?",
		"Great, thank you!", "Bye", "Is it cheaper than {n} EUR?", "Where is your shop near {place}?",
		"Send me the link please", "Do you have it in blue?", "ok", "👍",
	}
	synthFR = []string{
		"Bonjour, combien coûte le {item} ?", "Salut ! Le {item} est encore dispo ?", "Vous livrez à {place} demain ?",
		"Je voudrais réserver pour 4 personnes vendredi à 20h", "Mon numéro : 06 12 34 {nn} {nn}",
		"Écrivez-moi à {email}", "Merci beaucoup, à bientôt !", "La promo de -20 % est valable jusqu'à dimanche ?",
		"J'ai payé {n},50 € mais je n'ai pas reçu de facture", "Vous êtes ouverts samedi ?",
		"Super, merci !", "Au revoir", "C'est moins de {n} euros ?", "Votre boutique près de {place} ?",
		"Envoyez-moi le lien svp", "Vous l'avez en bleu ?", "d'accord",
	}
	synthItems  = []string{"spring menu", "blue sneakers", "weekend offer", "family box", "coffee beans", "city bike"}
	synthPlaces = []string{"Paris", "Lyon", "Bangkok", "Jakarta", "Marseille", "Bordeaux"}
	synthBot    = []string{"Thanks for your message! Our team answers within the hour.", "Here is our menu: https://example.com/menu",
		"Merci ! Un conseiller vous répond rapidement.", "Our shop is open 9am–7pm, Monday to Saturday."}
	synthHuman = []string{"Hi, this is Camille from the store: yes, it is still available.", "Bonjour, c'est Hugo : oui, on livre demain.",
		"I've sent you the receipt by e-mail.", "Je vous réserve la table, à vendredi !"}
)

// Contact returns the deliveries of one synthetic contact, oldest first: each is one webhook body.
func (s *Synthetic) Contact(i int) [][]byte {
	r := s.rng
	page := s.Pages[i%len(s.Pages)]
	psid := fmt.Sprintf("%d", s.PSIDBase+int64(i))
	fr := r.IntN(2) == 0
	span := time.Duration(s.Days) * 24 * time.Hour
	// A third of the contacts were active in the last two days, so that every reachability class shows.
	var t time.Time
	if r.IntN(3) == 0 {
		t = s.End.Add(-time.Duration(r.Int64N(int64(48 * time.Hour))))
	} else {
		t = s.End.Add(-time.Duration(r.Int64N(int64(span))))
	}
	var items []map[string]any
	var times []time.Time
	item := func(v map[string]any) {
		items, times = append(items, v), append(times, t)
		t = t.Add(time.Duration(20+r.IntN(600)) * time.Second)
	}
	user := map[string]any{"id": psid}
	pg := map[string]any{"id": page}
	mid := func(k int) string { return fmt.Sprintf("m_synth_%s_%d", psid, k) }
	switch n := r.IntN(100); {
	case n < 35:
		item(map[string]any{"sender": user, "recipient": pg, "postback": map[string]any{"mid": mid(0), "title": "Get Started",
			"payload": "GET_STARTED", "referral": map[string]any{"source": "ADS", "type": "OPEN_THREAD",
				"ad_id": fmt.Sprintf("2385000000000%04d", 1+r.IntN(6)), "ref": fmt.Sprintf("camp=spring26-var=%c", 'a'+rune(r.IntN(2))),
				"ads_context_data": map[string]any{"ad_title": "Spring offer", "post_id": page + "_880000000000001"}}}})
	case n < 55:
		item(map[string]any{"sender": user, "recipient": pg, "referral": map[string]any{"source": "SHORTLINK", "type": "OPEN_THREAD",
			"ref": []string{"poster-paris-11", "qr-flyer-b", "insta-bio"}[r.IntN(3)]}})
	}
	msgs := 1 + r.IntN(6)
	for k := 1; k <= msgs; k++ {
		item(map[string]any{"sender": user, "recipient": pg, "message": map[string]any{"mid": mid(k), "text": s.text(fr, i+k)}})
		switch x := r.IntN(10); {
		case x < 5:
			item(map[string]any{"sender": pg, "recipient": user, "message": map[string]any{"mid": mid(100 + k), "is_echo": true,
				"app_id": s.AppID, "metadata": "relance:auto-reply", "text": synthBot[r.IntN(len(synthBot))]}})
		case x < 7:
			item(map[string]any{"sender": pg, "recipient": user, "message": map[string]any{"mid": mid(100 + k), "is_echo": true,
				"app_id": PageInboxAppID, "text": synthHuman[r.IntN(len(synthHuman))]}})
		}
	}
	if r.IntN(100) < 15 {
		tz := []string{"Europe/Paris", "America/New_York", "Asia/Jakarta", "Asia/Bangkok"}[r.IntN(4)]
		item(map[string]any{"sender": user, "recipient": pg, "optin": map[string]any{"type": "notification_messages",
			"payload": "offers", "title": "Offers", "notification_messages_token": "nmt_" + psid, "notification_messages_timezone": tz,
			"token_expiry_timestamp": s.End.Add(180 * 24 * time.Hour).UnixMilli(), "user_token_status": "NOT_REFRESHED",
			"notification_messages_status": "RESUME NOTIFICATIONS"}})
	}
	if r.IntN(100) < 5 {
		item(map[string]any{"sender": user, "recipient": pg, "pass_thread_control": map[string]any{"new_owner_app_id": PageInboxAppID,
			"previous_owner_app_id": s.AppID, "metadata": "customer asked for a person"}})
	}
	if r.IntN(100) < 30 {
		item(map[string]any{"sender": user, "recipient": pg, "read": map[string]any{"watermark": t.UnixMilli()}})
	}
	// A conversation that started late would run past End: move it back so that nothing is in the future.
	shift := time.Duration(0)
	if last := times[len(times)-1]; last.After(s.End) {
		shift = last.Sub(s.End)
	}
	out := make([][]byte, len(items))
	for k, v := range items {
		v["timestamp"] = times[k].Add(-shift).UnixMilli()
		if rd, ok := v["read"].(map[string]any); ok {
			rd["watermark"] = v["timestamp"]
		}
		out[k] = envelopeOf(page, v)
	}
	return out
}

// text picks a message and fills its blanks.
func (s *Synthetic) text(fr bool, k int) string {
	r := s.rng
	list := synthEN
	if fr {
		list = synthFR
	}
	return strings.NewReplacer(
		"{item}", synthItems[r.IntN(len(synthItems))],
		"{place}", synthPlaces[r.IntN(len(synthPlaces))],
		"{email}", fmt.Sprintf("client%d@example.com", k),
		"{nnnn}", fmt.Sprintf("%04d", r.IntN(10000)),
		"{nn}", fmt.Sprintf("%02d", r.IntN(100)),
		"{n}", fmt.Sprintf("%d", 10+r.IntN(89)),
	).Replace(list[r.IntN(len(list))])
}

// envelopeOf wraps one messaging item in a delivery for a Page.
func envelopeOf(page string, item map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"object": "page", "entry": []any{map[string]any{"id": page,
		"time": item["timestamp"], "messaging": []any{item}}}})
	return b
}

// Feed stores the deliveries of contacts synthetic contacts through the ingester, a few thousand events per
// submission, and returns what was stored.
func (in *Ingester) Feed(ctx context.Context, gen *Synthetic, contacts int, o ParseOptions) (Result, error) {
	var total Result
	var pending []Entry
	events := 0
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		res, err := in.Submit(ctx, pending)
		total.Stored += res.Stored
		total.Duplicates += res.Duplicates
		total.Unrouted += res.Unrouted
		pending, events = pending[:0], 0
		return err
	}
	for i := 0; i < contacts; i++ {
		for _, body := range gen.Contact(i) {
			entries, err := Parse(body, o)
			if err != nil {
				return total, err
			}
			for _, e := range entries {
				pending = append(pending, e)
				events += len(e.Events)
			}
		}
		if events >= 2000 {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	return total, flush()
}
