package conversations_test

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"relance/conversations"
	"relance/conversations/nlp"
)

// TestSyntheticVoices generates the contacts of the three demo voices and checks that each brand speaks its
// own languages (Indonesian only at the shop, Thai only at the tour agency, French mostly at the restaurant)
// with its own vocabulary, that relance still extracts phone numbers, e-mails, amounts, dates and links from
// every voice, and that a voice keeps the message counts of the plan and the events of every kind.
func TestSyntheticVoices(t *testing.T) {
	end := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	o := conversations.ParseOptions{AppID: ourApp, NLPThreshold: 0.8}
	type tally struct {
		inbound, french, indonesian, thai, english int
		entities                                   map[string]int
		kinds                                      map[string]int
		quickReplies, passes                       int
		texts                                      strings.Builder
	}
	isFrench := func(s string) bool {
		s = " " + s
		for _, w := range []string{"bonjour", "bonsoir", "réserv", "merci", "vous", "d'accord", "c'est", "au revoir",
			" pour ", " je ", "ça", " mon ", "votre", "écrivez", "personnes", "carte", "quelqu'un", "privatiser", "décaler", "désolé", "plats"} {
			if strings.Contains(strings.ToLower(s), w) {
				return true
			}
		}
		return false
	}
	isIndonesian := func(s string) bool {
		for _, w := range []string{"kak", "berapa", "terima kasih", "makasih", "saya", "ongkir", "pesan", "katalog", "masih"} {
			if strings.Contains(strings.ToLower(s), w) {
				return true
			}
		}
		return false
	}
	isThai := func(s string) bool {
		for _, r := range s {
			if unicode.Is(unicode.Thai, r) {
				return true
			}
		}
		return false
	}
	isEnglish := func(s string) bool {
		s = " " + s
		for _, w := range []string{"hi!", "hello", "how much", "thanks", "please", "can i", "do you", "is the",
			"the ", "my ", "you", "we ", "ok", "great", "i ", "is it", "budget", "sorry", "👍", "can ", "price", "prices", "talk"} {
			if strings.Contains(strings.ToLower(s), w) {
				return true
			}
		}
		return false
	}
	const contacts, messages = 600, 3600
	run := func(v *conversations.Voice, seed uint64) *tally {
		gen := conversations.NewSynthetic([]string{fixturePage}, ourApp, end, seed, 7100000000100000)
		gen.Voice = v
		gen.Plan(contacts, messages)
		again := conversations.NewSynthetic([]string{fixturePage}, ourApp, end, seed, 7100000000100000)
		again.Voice = v
		again.Plan(contacts, messages)
		tl := &tally{entities: map[string]int{}, kinds: map[string]int{}}
		total := 0
		for i := range contacts {
			body := gen.Contact(i)
			if i < 20 && string(body) != string(again.Contact(i)) {
				t.Fatalf("%s: contact %d differs between two generators with the same seed", v.Name, i)
			}
			entries, err := conversations.Parse(body, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				for _, ev := range e.Events {
					tl.kinds[ev.Kind]++
					if ev.Kind == conversations.KindMessage || ev.Kind == conversations.KindEcho {
						total++
					}
					if ev.Kind == conversations.KindMessage && ev.QuickReply != "" {
						tl.quickReplies++
					}
					if ev.Kind != conversations.KindMessage || ev.Text == "" {
						continue
					}
					tl.inbound++
					tl.texts.WriteString(ev.Text + "\n")
					switch {
					case isThai(ev.Text):
						tl.thai++
					case isIndonesian(ev.Text):
						tl.indonesian++
					case isFrench(ev.Text):
						tl.french++
					case isEnglish(ev.Text):
						tl.english++
					}
					for _, en := range ev.Entities {
						tl.entities[en.Name]++
					}
				}
			}
		}
		if total != messages {
			t.Errorf("%s: %d messages, want the plan's %d", v.Name, total, messages)
		}
		return tl
	}
	rest, shop, travel := run(conversations.VoiceRestaurant(), 1), run(conversations.VoiceShop(), 2), run(conversations.VoiceTravel(), 3)
	for name, tl := range map[string]*tally{"restaurant": rest, "shop": shop, "travel": travel} {
		t.Logf("%s: %d inbound texts, fr %d, id %d, th %d, en %d; entities %v; events %v", name, tl.inbound, tl.french,
			tl.indonesian, tl.thai, tl.english, tl.entities, tl.kinds)
		for _, e := range []string{nlp.PhoneNumber, nlp.Email, nlp.AmountOfMoney, nlp.DateTime, nlp.URL} {
			if tl.entities[e] == 0 {
				t.Errorf("%s: no %s extracted from its contacts' messages", name, e)
			}
		}
		for _, k := range []string{conversations.KindPostback, conversations.KindReferral, conversations.KindOptin, conversations.KindEcho,
			conversations.KindPassThread} {
			if tl.kinds[k] == 0 {
				t.Errorf("%s: no %s event", name, k)
			}
		}
		if tl.quickReplies == 0 {
			t.Errorf("%s: no quick reply tapped", name)
		}
	}
	if rest.french*2 < rest.inbound || rest.english == 0 {
		t.Errorf("restaurant: %d of %d texts French, %d English: want French mostly, some English", rest.french, rest.inbound, rest.english)
	}
	if rest.indonesian+rest.thai > 0 || travel.indonesian+travel.french > 0 || shop.thai+shop.french > 0 {
		t.Errorf("a brand speaks another brand's language: restaurant id %d th %d, shop th %d fr %d, travel id %d fr %d",
			rest.indonesian, rest.thai, shop.thai, shop.french, travel.indonesian, travel.french)
	}
	if shop.indonesian*2 < shop.inbound || shop.english == 0 {
		t.Errorf("shop: %d of %d texts Indonesian, %d English: want Indonesian mostly, some English", shop.indonesian, shop.inbound, shop.english)
	}
	if travel.english*2 < travel.inbound || travel.thai == 0 {
		t.Errorf("travel: %d of %d texts English, %d Thai: want English mostly, some Thai", travel.english, travel.inbound, travel.thai)
	}
	for word, owner := range map[string]string{"+62 ": "shop", "+66 ": "travel", "réserv": "restaurant", "pick-up": "travel", "ongkir": "shop"} {
		for name, tl := range map[string]*tally{"restaurant": rest, "shop": shop, "travel": travel} {
			if has := strings.Contains(strings.ToLower(tl.texts.String()), strings.ToLower(word)); has != (name == owner) {
				t.Errorf("%q in the %s's texts: %v, want only in the %s's", word, name, has, owner)
			}
		}
	}
}
