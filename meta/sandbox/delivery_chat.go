package sandbox

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Conversations from ads. A click on a Click-to-Messenger ad opens the Page's thread: a person who never
// wrote to the Page gets a new PSID and relance receives the Get Started postback with the ad's referral
// inside it; a person with a thread already known on the Page re-enters it and relance receives a
// messaging_referrals event (reference §1.2). Most then write one to three messages, in English or French,
// some carrying Meta's built-in NLP in the 2017 "nlp.entities" shape relance parses.

// existingShare is the share of conversation-starting clicks made by people who already have a thread.
const existingShare = 0.3

// followUpShare is the share of conversations where the person writes after opening the thread (the
// others tap Get Started and leave, so they count as started but not as replied).
const followUpShare = 0.85

// startConversation queues the webhooks of one conversation started by a click on ad at a random moment of
// [a, b), and reports whether the person then wrote (a first reply); the mutex is held.
func (s *Sandbox) startConversation(r *rand.Rand, ad *Ad, cr *Creative, a, b time.Time) bool {
	at := a.Add(time.Duration(r.Int64N(int64(b.Sub(a))))).Truncate(time.Second)
	if at.Before(a) {
		at = a
	}
	page := cr.PageID
	referral := map[string]any{"source": "ADS", "type": "OPEN_THREAD", "ad_id": ad.ID,
		"ads_context_data": adsContext(ad, cr)}
	if cr.Ref != "" {
		referral["ref"] = cr.Ref
	}
	var psid string
	if known := s.pageThreads(page); len(known) > 0 && r.Float64() < existingShare {
		psid = known[r.IntN(len(known))]
		s.later(at, page, Event{"sender": map[string]any{"id": psid}, "recipient": map[string]any{"id": page},
			"timestamp": at.UnixMilli(), "referral": referral})
	} else {
		psid = s.newID("psid")
		s.later(at, page, Event{"sender": map[string]any{"id": psid}, "recipient": map[string]any{"id": page},
			"timestamp": at.UnixMilli(), "postback": map[string]any{"mid": convMID(r), "title": "Get Started",
				"payload": welcomePayload(cr.WelcomeMessage), "referral": referral}})
	}
	if r.Float64() >= followUpShare {
		return false
	}
	french := r.Float64() < 0.4
	t := at
	for i := range 1 + r.IntN(3) {
		t = t.Add(time.Duration(30+r.IntN(300)) * time.Second)
		text, nlp := chatLine(r, french, i == 0)
		msg := map[string]any{"mid": convMID(r), "text": text}
		if nlp != nil {
			msg["nlp"] = map[string]any{"entities": nlp}
		}
		s.later(t, page, Event{"sender": map[string]any{"id": psid}, "recipient": map[string]any{"id": page},
			"timestamp": t.UnixMilli(), "message": msg})
	}
	return true
}

// pageThreads lists the PSIDs with a thread on a Page, sorted so that picks are reproducible.
func (s *Sandbox) pageThreads(page string) []string {
	var out []string
	for k, t := range s.st.threads {
		if k.PageID == page && !t.Blocked {
			out = append(out, k.PSID)
		}
	}
	sort.Strings(out)
	return out
}

// convMID is a message id drawn from the conversation's generator, so it is the same on every run.
func convMID(r *rand.Rand) string { return fmt.Sprintf("m_sbx%016x%08x", r.Uint64(), r.Uint32()) }

// adsContext is the ads_context_data Meta attaches to an ad referral.
func adsContext(ad *Ad, cr *Creative) map[string]any {
	title := ad.Name
	if line, _, _ := strings.Cut(strings.TrimSpace(cr.Message), "\n"); line != "" {
		title = line
	}
	if len([]rune(title)) > 80 {
		title = string([]rune(title)[:80])
	}
	return map[string]any{"ad_title": title, "post_id": cr.PageID + "_" + cr.ID,
		"photo_url": "https://sandbox.invalid/ads/" + ad.ID + ".jpg"}
}

// welcomePayload is the postback payload of a new thread: the first payload found in the creative's
// page_welcome_message (where relance puts its ref), else Meta's "GET_STARTED".
func welcomePayload(welcome string) string {
	var v any
	if welcome == "" || json.Unmarshal([]byte(welcome), &v) != nil {
		return "GET_STARTED"
	}
	if p := findPayload(v); p != "" {
		return p
	}
	return "GET_STARTED"
}

// findPayload walks decoded JSON depth first, object keys in sorted order, for a non-empty "payload" string.
func findPayload(v any) string {
	switch x := v.(type) {
	case map[string]any:
		if p, ok := x["payload"].(string); ok && p != "" {
			return p
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p := findPayload(x[k]); p != "" {
				return p
			}
		}
	case []any:
		for _, e := range x {
			if p := findPayload(e); p != "" {
				return p
			}
		}
	}
	return ""
}

// chatLine writes one message of a person who clicked an ad, and the legacy NLP entities Meta would attach
// to it (nil when it has none). first is the person's first message: a greeting or a question.
func chatLine(r *rand.Rand, french, first bool) (string, map[string]any) {
	entity := func(name string, conf float64, value any, extra ...any) []any {
		e := map[string]any{"confidence": conf, "value": value, "_entity": name}
		for i := 0; i+1 < len(extra); i += 2 {
			e[extra[i].(string)] = extra[i+1]
		}
		return []any{e}
	}
	conf := func() float64 { return float64(85+r.IntN(15)) / 100 }
	names := []string{"lea", "sam", "nora", "theo", "maya", "jules", "alex", "ines"}
	email := fmt.Sprintf("%s.%d@example.org", names[r.IntN(len(names))], 10+r.IntN(90))
	amount := 20 + 5*r.IntN(37)
	pick := 1 + r.IntN(5) // later messages give details, and do not greet again
	if first {
		pick = r.IntN(3)
	}
	if french {
		phone := fmt.Sprintf("06 %02d %02d %02d %02d", r.IntN(100), r.IntN(100), r.IntN(100), r.IntN(100))
		switch pick {
		case 0:
			return "Bonjour ! C'est toujours disponible ?", map[string]any{"greetings": entity("greetings", conf(), "true")}
		case 1:
			return "Comment ça marche exactement ?", nil
		case 2:
			return fmt.Sprintf("Mon budget est de %d euros, c'est possible ?", amount),
				map[string]any{"amount_of_money": entity("amount_of_money", conf(), amount, "unit", "EUR")}
		case 3:
			return "Vous pouvez m'appeler au " + phone, map[string]any{"phone_number": entity("phone_number", conf(), phone)}
		case 4:
			return "Mon adresse : " + email, map[string]any{"email": entity("email", conf(), email)}
		}
		return "Merci, j'attends votre réponse.", nil
	}
	phone := fmt.Sprintf("+1 415 555 %04d", r.IntN(10000))
	switch pick {
	case 0:
		return "Hi! Is this offer still available?", map[string]any{"greetings": entity("greetings", conf(), "true")}
	case 1:
		return "How does it work exactly?", nil
	case 2:
		return fmt.Sprintf("My budget is around %d dollars, is that enough?", amount),
			map[string]any{"amount_of_money": entity("amount_of_money", conf(), amount, "unit", "USD")}
	case 3:
		return "You can call me at " + phone, map[string]any{"phone_number": entity("phone_number", conf(), phone)}
	case 4:
		return "Thanks! Please send the details to " + email, map[string]any{
			"thanks": entity("thanks", conf(), "true"), "email": entity("email", conf(), email)}
	}
	return "Thanks, waiting for your answer.", nil
}
