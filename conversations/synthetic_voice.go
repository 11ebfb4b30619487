package conversations

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Voice is how a brand's synthetic contacts and Page write: their languages (with the texts of each), what they
// buy, where they are, and the brand's ads, links, menu and quick replies. A restaurant's guests book tables, a
// shop's customers ask for sizes and parcels, a tour agency's riders ask for pick-ups: demos read true, and each
// brand's texts still carry the entities relance extracts (prices, dates, phone numbers, e-mails, links).
//
// Texts are templates: {item} (from the language's Items), {place}, {email}, {url}, {phone_us} (+1 212 555 …),
// {nnnn}, {nn} and {n} (10–98) as the default voice has always used, and {phone_id} (+62 8…), {phone_th}
// (+66 8…), {idr} (a Rupiah price), {size}, {party} (2–8) and {date} (dd/mm).
type Voice struct {
	// Name names the voice in tests and logs.
	Name string
	// Langs are the languages contacts write in, each chosen in proportion to its Weight.
	Langs []VoiceLang
	// Places fill {place}; Email ({email}, with the PSID for %s) and URL ({url}, with a number for %d) are
	// formats; Site is the website the chat plugin runs on.
	Places           []string
	Email, URL, Site string
	// QuickReplies are the payloads of the bot's quick replies, in the order of each language's titles.
	// QR_HUMAN hands the thread to a person.
	QuickReplies []string
	// Menu is the persistent menu; TALK_TO_HUMAN hands the thread to a person.
	Menu []VoiceButton
	// Ads are the brand's Click-to-Messenger ads, most popular first; the last one only retargets.
	Ads []VoiceAd
	// Shortlinks, Plugin and Codes are the refs of m.me links, of the website chat plugin and of Messenger
	// codes; Zones are the time zones of opt-ins.
	Shortlinks, Plugin, Codes, Zones []string
}

// VoiceLang is one language of a voice.
type VoiceLang struct {
	// Code is the ISO 639-1 code ("fr", "en", "id", "th").
	Code   string
	Weight int
	// Texts are the contacts' messages; Items fill their {item}.
	Texts, Items []string
	// Bot are the bot's answers, Human the answers typed in the Page Inbox.
	Bot, Human []string
	// QuickReplies are the quick replies' titles, in the order of Voice.QuickReplies.
	QuickReplies []string
}

// VoiceButton is a persistent menu button.
type VoiceButton struct{ Payload, Title string }

// VoiceAd is a Click-to-Messenger ad: its id, the ref it carries and its title.
type VoiceAd struct{ ID, Ref, Title string }

// voice is the generator's voice.
func (s *Synthetic) voice() *Voice {
	if s.Voice == nil {
		return defaultVoice
	}
	return s.Voice
}

// pick draws a language in proportion to the weights.
func (v *Voice) pick(r *rand.Rand) *VoiceLang {
	total := 0
	for i := range v.Langs {
		total += v.Langs[i].Weight
	}
	n := r.IntN(total)
	for i := range v.Langs {
		if n < v.Langs[i].Weight {
			return &v.Langs[i]
		}
		n -= v.Langs[i].Weight
	}
	return &v.Langs[len(v.Langs)-1]
}

// pickOf draws one element of list.
func pickOf[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// voiceBlank fills the blanks only the brand voices use.
func voiceBlank(b *strings.Builder, r *rand.Rand, name string) {
	switch name {
	case "phone_id": // Indonesian mobile numbers, written as people share them
		prefix := pickOf(r, []string{"812", "813", "821", "852", "857", "878", "896"})
		fmt.Fprintf(b, "+62 %s-%04d-%04d", prefix, r.IntN(10000), r.IntN(10000))
	case "phone_th":
		fmt.Fprintf(b, "+66 %d%d %03d %04d", 8+r.IntN(2), 1+r.IntN(9), r.IntN(1000), r.IntN(10000))
	case "idr":
		fmt.Fprintf(b, "Rp %d.000", 5*(5+r.IntN(90)))
	case "size":
		b.WriteString(pickOf(r, []string{"S", "M", "L", "XL", "XXL"}))
	case "party":
		fmt.Fprintf(b, "%d", 2+r.IntN(7))
	case "date":
		fmt.Fprintf(b, "%d/%02d", 1+r.IntN(28), 1+r.IntN(12))
	}
}

// DefaultVoice is the voice of generators without one: a generic brand writing in English and French, as the
// benchmarks' seeded data always has (same texts, same draws, so the same seed gives the same data).
func DefaultVoice() *Voice { return defaultVoice }

var defaultVoice = func() *Voice {
	items := []string{"spring menu", "blue sneakers", "weekend offer", "family box", "coffee beans", "city bike", "brunch formula", "gift card"}
	bot := []string{"Thanks for your message! Our team answers within the hour.", "Here is our menu: https://example.com/menu",
		"Merci ! Un conseiller vous répond rapidement.", "Our shop is open 9am–7pm, Monday to Saturday.",
		"Voici nos offres de la semaine : https://example.com/offres", "Would you like to see the menu or talk to someone?"}
	human := []string{"Hi, this is Camille from the store: yes, it is still available.", "Bonjour, c'est Hugo : oui, on livre demain.",
		"I've sent you the receipt by e-mail.", "Je vous réserve la table, à vendredi !", "Sorry for the wait! Let me check with the kitchen.",
		"Bien reçu, je regarde votre commande et je reviens vers vous."}
	return &Voice{
		Name: "default",
		// French first: contacts have always been French when the first draw of two was 0.
		Langs: []VoiceLang{{Code: "fr", Weight: 1, Items: items, Bot: bot, Human: human,
			QuickReplies: []string{"Voir le menu", "Réserver", "Les prix", "Parler à quelqu'un"},
			Texts: []string{
				"Bonjour, combien coûte le {item} ?", "Salut ! Le {item} est encore dispo ?", "Vous livrez à {place} demain ?",
				"Je voudrais réserver pour 4 personnes vendredi à 20h", "Mon numéro : 06 12 34 {nn} {nn}",
				"Écrivez-moi à {email}", "Merci beaucoup, à bientôt !", "La promo de -20 % est valable jusqu'à dimanche ?",
				"J'ai payé {n},50 € mais je n'ai pas reçu de facture", "Vous êtes ouverts samedi ?",
				"Super, merci !", "Au revoir", "C'est moins de {n} euros ?", "Votre boutique près de {place} ?",
				"Envoyez-moi le lien svp", "Vous l'avez en bleu ?", "d'accord", "J'ai vu ça sur votre site : {url}",
				"Bonsoir, je peux passer récupérer le {item} demain à 18h ?", "Rappelez-moi au 07 {nn} {nn} {nn} {nn} svp",
				"Le {item} est dispo dans votre magasin de {place} ?", "Pour deux, ça fait {n} € ?", "ok merci, bonne journée",
				"Bonjour, vous livrez sur {place} ?", "Je peux payer {n} euros en espèces à la livraison ?",
			}},
			{Code: "en", Weight: 1, Items: items, Bot: bot, Human: human,
				QuickReplies: []string{"See the menu", "Book a table", "Prices", "Talk to someone"},
				Texts: []string{
					"Hi! How much is the {item}?", "Hello, is the {item} still available?", "Do you deliver to {place} tomorrow?",
					"Can I book a table for 4 on Friday at 8pm?", "My number is +1 415 555 {nnnn}, call me please",
					"You can reach me at {email}", "Thanks a lot, see you soon!", "Is the 20% discount valid until Sunday?",
					"I paid ${n}.99 but didn't get a receipt", "What are your opening hours on Saturday?",
					"Great, thank you!", "Bye", "Is it cheaper than {n} EUR?", "Where is your shop near {place}?",
					"Send me the link please", "Do you have it in blue?", "ok", "👍", "I saw this on your site: {url}",
					"Hello, I'd like to order the {item} for next Monday", "Can someone call me back? {phone_us}",
					"Is the {item} in stock at your {place} store?", "How much for two? Budget is about ${n}",
					"Good morning! Do you ship to {place}?", "thanks, bye!", "Can I pay {n} USD in cash on delivery?",
				}}},
		Places:       []string{"Paris", "Lyon", "Bangkok", "Jakarta", "Marseille", "Bordeaux", "Lille", "Montréal", "Bruxelles", "Toulouse"},
		Email:        "client%s@example.com",
		URL:          "https://shop.example.com/p/%d",
		Site:         "https://shop.example.com/",
		QuickReplies: []string{"QR_MENU", "QR_BOOK", "QR_PRICES", "QR_HUMAN"},
		Menu: []VoiceButton{{"MENU_OFFERS", "Offers"}, {"MENU_HOURS", "Opening hours"}, {"MENU_ORDER", "Track my order"},
			{"TALK_TO_HUMAN", "Talk to a person"}},
		Ads:        standardAds("Spring offer", "Sunday brunch", "Back in stock", "Summer sale", "We miss you"),
		Shortlinks: []string{"poster-paris-11", "qr-flyer-b", "insta-bio", "promo=wk12-src=newsletter", "src=tiktok-camp=summer26"},
		Plugin:     []string{"site-home", "site-checkout", ""},
		Codes:      []string{"store-window", "receipt-qr"},
		Zones:      []string{"Europe/Paris", "America/New_York", "Asia/Jakarta", "Asia/Bangkok", "Europe/Brussels", "America/Toronto"},
	}
}()

// standardAds are the eight ads every voice runs, with the same ids and refs (the demo's audiences and
// campaigns select them by id and ref) and the brand's titles: two variants of spring, two of second, then
// third, fourth, the Messenger home ad and the retargeting one.
func standardAds(spring, second, third, fourth, retarget string) []VoiceAd {
	return []VoiceAd{
		{"23850000000000001", "camp=spring26-var=a", spring}, {"23850000000000002", "camp=spring26-var=b", spring},
		{"23850000000000003", "camp=brunch-var=a", second}, {"23850000000000004", "camp=brunch-var=b", second},
		{"23850000000000005", "camp=backinstock", third}, {"23850000000000006", "camp=summer26-var=a-src=insta", fourth},
		{"23850000000000007", "", "Messenger home ad"}, {"23850000000000008", "camp=retarget-30d", retarget},
	}
}
