package conversations

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SandboxAppID is the app id relance uses with the Meta sandbox when meta.app_id is not set (it is the app of
// the shared webhook fixtures), so that the bot's own echoes are told from a person's.
const SandboxAppID = "555000000000001"

// Synthetic makes realistic webhook deliveries for demos and benchmarks: contacts arriving from ads, m.me
// links, the website chat plugin, Messenger codes and organic search, writing in English and French with
// prices, dates, places, phone numbers, e-mails and links, tapping quick replies and menu buttons, answered by
// the bot or by a person in the Page Inbox, some opting in to Marketing Messages (and a few opting out again).
// The bodies are the JSON Meta sends, so they are stored through the same code path as real webhooks. The
// same seed gives the same deliveries.
//
// How many messages a contact has follows a skewed distribution (log-normal): about half the contacts write a
// handful of times, a long tail writes hundreds of messages over many visits. Plan sets the average.
type Synthetic struct {
	// Pages are the Page ids the contacts write to.
	Pages []string
	// AppID is relance's app id (the bot's echoes carry it).
	AppID string
	// End is the time of the newest event; a contact's latest activity falls within the Days before it (older
	// visits of a long conversation can go further back).
	End  time.Time
	Days int
	// PSIDBase makes PSIDs unique per generator (e.g. per brand).
	PSIDBase int64
	rng      *rand.Rand

	planContacts, planMessages int64 // Plan's target; 0 = the default average
	made                       int64 // messages (in and out) generated so far, to steer towards the target
	items                      []synthItem
}

// SyntheticDefaultMessages is the average number of messages (the contact's and the Page's together) per
// synthetic contact when Plan was not called.
const SyntheticDefaultMessages = 6

// SyntheticMaxMessages caps the messages of one synthetic contact (the far end of the tail).
const SyntheticMaxMessages = 2000

// syntheticSigma shapes the log-normal count of messages per contact: with an average of 10, about half the
// contacts have 1 to 5 messages and one in a hundred more than 75.
const syntheticSigma = 1.1

// NewSynthetic returns a generator seeded with seed.
func NewSynthetic(pages []string, appID string, end time.Time, seed uint64, psidBase int64) *Synthetic {
	if appID == "" {
		appID = SandboxAppID
	}
	return &Synthetic{Pages: pages, AppID: appID, End: end, Days: 60, PSIDBase: psidBase, rng: rand.New(rand.NewPCG(seed, seed^0x5eed))}
}

// Plan spreads messages (the contacts' and the Page's, in all) over contacts, so that the average per contact
// is messages/contacts and the total comes out at messages when Contact is called for 0 … contacts-1 in order.
// Averages below 1 or above SyntheticMaxMessages cannot be met; messages = 0 restores the default.
func (s *Synthetic) Plan(contacts, messages int) {
	s.planContacts, s.planMessages, s.made = int64(contacts), int64(messages), 0
}

var (
	synthEN = []string{
		"Hi! How much is the {item}?", "Hello, is the {item} still available?", "Do you deliver to {place} tomorrow?",
		"Can I book a table for 4 on Friday at 8pm?", "My number is +1 415 555 {nnnn}, call me please",
		"You can reach me at {email}", "Thanks a lot, see you soon!", "Is the 20% discount valid until Sunday?",
		"I paid ${n}.99 but didn't get a receipt", "What are your opening hours on Saturday?",
		"Great, thank you!", "Bye", "Is it cheaper than {n} EUR?", "Where is your shop near {place}?",
		"Send me the link please", "Do you have it in blue?", "ok", "👍", "I saw this on your site: {url}",
		"Hello, I'd like to order the {item} for next Monday", "Can someone call me back? {phone_us}",
		"Is the {item} in stock at your {place} store?", "How much for two? Budget is about ${n}",
		"Good morning! Do you ship to {place}?", "thanks, bye!", "Can I pay {n} USD in cash on delivery?",
	}
	synthFR = []string{
		"Bonjour, combien coûte le {item} ?", "Salut ! Le {item} est encore dispo ?", "Vous livrez à {place} demain ?",
		"Je voudrais réserver pour 4 personnes vendredi à 20h", "Mon numéro : 06 12 34 {nn} {nn}",
		"Écrivez-moi à {email}", "Merci beaucoup, à bientôt !", "La promo de -20 % est valable jusqu'à dimanche ?",
		"J'ai payé {n},50 € mais je n'ai pas reçu de facture", "Vous êtes ouverts samedi ?",
		"Super, merci !", "Au revoir", "C'est moins de {n} euros ?", "Votre boutique près de {place} ?",
		"Envoyez-moi le lien svp", "Vous l'avez en bleu ?", "d'accord", "J'ai vu ça sur votre site : {url}",
		"Bonsoir, je peux passer récupérer le {item} demain à 18h ?", "Rappelez-moi au 07 {nn} {nn} {nn} {nn} svp",
		"Le {item} est dispo dans votre magasin de {place} ?", "Pour deux, ça fait {n} € ?", "ok merci, bonne journée",
		"Bonjour, vous livrez sur {place} ?", "Je peux payer {n} euros en espèces à la livraison ?",
	}
	synthItems  = []string{"spring menu", "blue sneakers", "weekend offer", "family box", "coffee beans", "city bike", "brunch formula", "gift card"}
	synthPlaces = []string{"Paris", "Lyon", "Bangkok", "Jakarta", "Marseille", "Bordeaux", "Lille", "Montréal", "Bruxelles", "Toulouse"}
	synthBot    = []string{"Thanks for your message! Our team answers within the hour.", "Here is our menu: https://example.com/menu",
		"Merci ! Un conseiller vous répond rapidement.", "Our shop is open 9am–7pm, Monday to Saturday.",
		"Voici nos offres de la semaine : https://example.com/offres", "Would you like to see the menu or talk to someone?"}
	synthHuman = []string{"Hi, this is Camille from the store: yes, it is still available.", "Bonjour, c'est Hugo : oui, on livre demain.",
		"I've sent you the receipt by e-mail.", "Je vous réserve la table, à vendredi !", "Sorry for the wait! Let me check with the kitchen.",
		"Bien reçu, je regarde votre commande et je reviens vers vous."}
	// synthQuickReplies are the buttons the bot offers; a tap sends the title as text with the payload.
	synthQuickReplies = []struct{ payload, en, fr string }{
		{"QR_MENU", "See the menu", "Voir le menu"}, {"QR_BOOK", "Book a table", "Réserver"},
		{"QR_PRICES", "Prices", "Les prix"}, {"QR_HUMAN", "Talk to someone", "Parler à quelqu'un"},
	}
	// synthMenu are the persistent menu's postbacks.
	synthMenu = []struct{ payload, title string }{
		{"MENU_OFFERS", "Offers"}, {"MENU_HOURS", "Opening hours"}, {"MENU_ORDER", "Track my order"}, {"TALK_TO_HUMAN", "Talk to a person"},
	}
	// synthAds are the brand's Click-to-Messenger ads, most popular first; the last one only retargets.
	synthAds = []struct{ id, ref, title string }{
		{"23850000000000001", "camp=spring26-var=a", "Spring offer"}, {"23850000000000002", "camp=spring26-var=b", "Spring offer"},
		{"23850000000000003", "camp=brunch-var=a", "Sunday brunch"}, {"23850000000000004", "camp=brunch-var=b", "Sunday brunch"},
		{"23850000000000005", "camp=backinstock", "Back in stock"}, {"23850000000000006", "camp=summer26-var=a-src=insta", "Summer sale"},
		{"23850000000000007", "", "Messenger home ad"}, {"23850000000000008", "camp=retarget-30d", "We miss you"},
	}
	synthShortlinks = []string{"poster-paris-11", "qr-flyer-b", "insta-bio", "promo=wk12-src=newsletter", "src=tiktok-camp=summer26"}
	synthPlugin     = []string{"site-home", "site-checkout", ""}
	synthCodes      = []string{"store-window", "receipt-qr"}
	synthZones      = []string{"Europe/Paris", "America/New_York", "Asia/Jakarta", "Asia/Bangkok", "Europe/Brussels", "America/Toronto"}
)

// synthItem is one messaging item of a synthetic contact, before it is written as JSON.
type synthItem struct {
	at      int64 // ms; relative to the contact's first item until Contact shifts it
	kind    uint8
	mid     string
	text    string
	payload string // quick reply (message), postback payload, opt-in status (optin)
	title   string // postback title, opt-in time zone (optin)
	appID   string // echoes: who sent it
	meta    string // echo or handover metadata
	image   bool   // message: an image instead of text
	ref     *synthRef
}

const (
	synthMessage uint8 = iota
	synthEcho
	synthPostback
	synthReferral
	synthOptin
	synthPass
	synthRead
)

// synthRef is a referral: where the person came from.
type synthRef struct{ source, ref, adID, adTitle string }

// synthContact builds one contact's items on a running clock.
type synthContact struct {
	s         *Synthetic
	r         *rand.Rand
	page      string
	psid      string
	fr        bool
	t         int64
	n         int // mids used
	items     []synthItem
	made      int  // messages (in and out) so far
	human     bool // a person took the thread over in the Page Inbox
	offered   bool // the bot's last message offered quick replies
	optinDone bool
}

func (c *synthContact) add(it synthItem) {
	it.at = c.t
	c.items = append(c.items, it)
	c.t += int64(20+c.r.IntN(600)) * 1000
}

func (c *synthContact) mid() string {
	c.n++
	return "m_synth_" + c.psid + "_" + strconv.Itoa(c.n)
}

// Contact returns the delivery of one synthetic contact's whole history: one webhook body with one entry
// holding its items, oldest first (Meta batches many items in one entry). Call Plan first to steer the total.
func (s *Synthetic) Contact(i int) []byte {
	r := s.rng
	c := &synthContact{s: s, r: r, page: s.Pages[i%len(s.Pages)], psid: strconv.FormatInt(s.PSIDBase+int64(i), 10),
		fr: r.IntN(2) == 0, items: s.items[:0]}
	want := s.messageCount(i)
	c.arrive()
	optin := r.IntN(100) < 15
	for c.made < want {
		if c.made > 0 && r.IntN(8) == 0 {
			c.revisit()
		}
		c.turn(want)
		if optin && !c.optinDone {
			c.optin("RESUME NOTIFICATIONS")
			c.optinDone = true
		}
	}
	if optin && r.IntN(100) < 15 {
		c.optin("STOP NOTIFICATIONS")
	}
	if !c.human && r.IntN(100) < 3 {
		c.pass("customer asked for a person")
	}
	if r.IntN(100) < 30 {
		c.add(synthItem{kind: synthRead})
	}
	s.made += int64(c.made)
	s.items = c.items
	return c.body()
}

// messageCount draws how many messages contact i has, steering towards Plan's total.
func (s *Synthetic) messageCount(i int) int {
	mean, most := float64(SyntheticDefaultMessages), int64(SyntheticMaxMessages)
	if s.planMessages > 0 && int64(i) < s.planContacts {
		left, rest := s.planMessages-s.made, s.planContacts-int64(i) // rest counts this contact
		if rest == 1 {
			return int(max(1, min(left, most)))
		}
		mean = float64(left) / float64(rest)
		most = min(most, left-(rest-1)) // leave at least one message to every contact after this one
	}
	if mean <= 1 || most <= 1 {
		return 1
	}
	// ceil adds about half a message to a log-normal of mean m - 1/2.
	mu := math.Log(mean-0.5) - syntheticSigma*syntheticSigma/2
	x := int64(math.Ceil(math.Exp(mu + syntheticSigma*s.rng.NormFloat64())))
	return int(max(1, min(x, most)))
}

// Blocked reports whether synthetic contact i blocked the Page afterwards (about 2%): the ingester never learns
// it from a webhook, a send failing with error 551 does. It does not draw from the generator's stream.
func (s *Synthetic) Blocked(i int) bool {
	x := uint64(s.PSIDBase) + uint64(i)*0x9e3779b97f4a7c15
	x ^= x >> 31
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 29
	return x%1000 < 20
}

// arrive opens the thread: from an ad (the Get Started postback carries the referral), an m.me link, the
// website chat plugin, a Messenger code, or on their own.
func (c *synthContact) arrive() {
	r := c.r
	switch n := r.IntN(100); {
	case n < 35:
		c.getStarted(c.ad(false))
	case n < 53:
		ref := &synthRef{source: "SHORTLINK", ref: synthShortlinks[skewed(r, len(synthShortlinks))]}
		if r.IntN(2) == 0 {
			c.getStarted(ref)
		} else {
			c.add(synthItem{kind: synthReferral, ref: ref})
		}
	case n < 59:
		c.add(synthItem{kind: synthReferral, ref: &synthRef{source: "CUSTOMER_CHAT_PLUGIN", ref: synthPlugin[r.IntN(len(synthPlugin))]}})
	case n < 62:
		c.add(synthItem{kind: synthReferral, ref: &synthRef{source: "MESSENGER_CODE", ref: synthCodes[r.IntN(len(synthCodes))]}})
	case n < 80:
		c.getStarted(nil)
	}
}

func (c *synthContact) getStarted(ref *synthRef) {
	c.add(synthItem{kind: synthPostback, mid: c.mid(), title: "Get Started", payload: "GET_STARTED", ref: ref})
}

// ad picks an ad, the popular ones more often; retarget gives the retargeting ad half the time.
func (c *synthContact) ad(retarget bool) *synthRef {
	a := synthAds[skewed(c.r, len(synthAds)-1)]
	if retarget && c.r.IntN(2) == 0 {
		a = synthAds[len(synthAds)-1]
	}
	return &synthRef{source: "ADS", ref: a.ref, adID: a.id, adTitle: a.title}
}

// skewed picks an index below n, the first ones more often.
func skewed(r *rand.Rand, n int) int {
	return min(r.IntN(n), r.IntN(n))
}

// revisit starts a new visit hours or days later, now and then from an ad or a link again.
func (c *synthContact) revisit() {
	r := c.r
	gap := math.Exp(math.Log(2*3600) + r.Float64()*math.Log(14*24/2.0)) // 2 hours to 14 days, log-uniform
	c.t += int64(gap * 1000)
	if r.IntN(100) < 12 {
		if r.IntN(5) < 3 {
			c.add(synthItem{kind: synthReferral, ref: c.ad(true)})
		} else {
			c.add(synthItem{kind: synthReferral, ref: &synthRef{source: "SHORTLINK", ref: synthShortlinks[skewed(r, len(synthShortlinks))]}})
		}
	}
}

// turn is one message from the person (now and then after a menu tap) and perhaps an answer.
func (c *synthContact) turn(want int) {
	r := c.r
	if r.IntN(100) < 5 {
		m := synthMenu[r.IntN(len(synthMenu))]
		c.add(synthItem{kind: synthPostback, mid: c.mid(), title: m.title, payload: m.payload})
		if m.payload == "TALK_TO_HUMAN" && !c.human {
			c.pass("TALK_TO_HUMAN")
		}
	}
	switch {
	case c.offered && r.IntN(2) == 0:
		q := synthQuickReplies[r.IntN(len(synthQuickReplies))]
		text := q.en
		if c.fr {
			text = q.fr
		}
		c.add(synthItem{kind: synthMessage, mid: c.mid(), text: text, payload: q.payload})
		if q.payload == "QR_HUMAN" && !c.human {
			c.pass("QR_HUMAN")
		}
	case r.IntN(100) < 3:
		c.add(synthItem{kind: synthMessage, mid: c.mid(), image: true})
	default:
		c.add(synthItem{kind: synthMessage, mid: c.mid(), text: c.s.text(c.fr, c.psid)})
	}
	c.made++
	c.offered = false
	if c.made >= want {
		return
	}
	x := r.IntN(10)
	switch {
	case c.human && x < 6, !c.human && x >= 5 && x < 7:
		c.add(synthItem{kind: synthEcho, mid: c.mid(), appID: PageInboxAppID, text: synthHuman[r.IntN(len(synthHuman))]})
	case !c.human && x < 5, c.human && x == 6:
		c.offered = r.IntN(3) == 0
		c.add(synthItem{kind: synthEcho, mid: c.mid(), appID: c.s.AppID, meta: "relance:auto-reply", text: synthBot[r.IntN(len(synthBot))]})
	default:
		return
	}
	c.made++
}

// pass hands the thread to the Page Inbox: a person answers from now on.
func (c *synthContact) pass(why string) {
	c.add(synthItem{kind: synthPass, meta: why})
	c.human = true
}

func (c *synthContact) optin(status string) {
	c.add(synthItem{kind: synthOptin, payload: status, title: synthZones[c.r.IntN(len(synthZones))]})
}

// text picks a message and fills its blanks.
func (s *Synthetic) text(fr bool, psid string) string {
	r := s.rng
	list := synthEN
	if fr {
		list = synthFR
	}
	tpl := list[r.IntN(len(list))]
	if !strings.Contains(tpl, "{") {
		return tpl
	}
	var b strings.Builder
	for {
		open := strings.IndexByte(tpl, '{')
		if open < 0 {
			b.WriteString(tpl)
			return b.String()
		}
		end := strings.IndexByte(tpl[open:], '}') + open
		b.WriteString(tpl[:open])
		switch tpl[open+1 : end] {
		case "item":
			b.WriteString(synthItems[r.IntN(len(synthItems))])
		case "place":
			b.WriteString(synthPlaces[r.IntN(len(synthPlaces))])
		case "email":
			b.WriteString("client" + psid + "@example.com")
		case "url":
			fmt.Fprintf(&b, "https://shop.example.com/p/%d", 1000+r.IntN(9000))
		case "phone_us":
			fmt.Fprintf(&b, "+1 212 555 %04d", r.IntN(10000))
		case "nnnn":
			fmt.Fprintf(&b, "%04d", r.IntN(10000))
		case "nn":
			fmt.Fprintf(&b, "%02d", r.IntN(100))
		case "n":
			b.WriteString(strconv.Itoa(10 + r.IntN(89)))
		}
		tpl = tpl[end+1:]
	}
}

// body moves the contact's history so that its latest item falls within Days before End (a third of the
// contacts within the last two days, so that every reachability class shows) and writes it as a delivery.
func (c *synthContact) body() []byte {
	s, r := c.s, c.r
	end := s.End.UnixMilli()
	var last int64
	if r.IntN(3) == 0 {
		last = end - r.Int64N(48*3600*1000)
	} else {
		last = end - r.Int64N(int64(max(s.Days, 1))*24*3600*1000)
	}
	shift := last - c.items[len(c.items)-1].at
	b := make([]byte, 0, 64+len(c.items)*220)
	b = append(b, `{"object":"page","entry":[{"id":`...)
	b = appendJSON(b, c.page)
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, last, 10)
	b = append(b, `,"messaging":[`...)
	for k := range c.items {
		if k > 0 {
			b = append(b, ',')
		}
		b = c.appendItem(b, &c.items[k], c.items[k].at+shift)
	}
	return append(b, "]}]}"...)
}

// appendItem writes one item as Meta does.
func (c *synthContact) appendItem(b []byte, it *synthItem, at int64) []byte {
	from, to := c.psid, c.page
	if it.kind == synthEcho {
		from, to = c.page, c.psid
	}
	b = append(b, `{"sender":{"id":`...)
	b = appendJSON(b, from)
	b = append(b, `},"recipient":{"id":`...)
	b = appendJSON(b, to)
	b = append(b, `},"timestamp":`...)
	b = strconv.AppendInt(b, at, 10)
	switch it.kind {
	case synthMessage:
		b = append(b, `,"message":{"mid":`...)
		b = appendJSON(b, it.mid)
		if it.image {
			b = append(b, `,"attachments":[{"type":"image","payload":{"url":"https://scontent.example.com/v/`...)
			b = append(b, it.mid...)
			b = append(b, `.jpg"}}]`...)
		} else {
			b = append(b, `,"text":`...)
			b = appendJSON(b, it.text)
		}
		if it.payload != "" {
			b = append(b, `,"quick_reply":{"payload":`...)
			b = appendJSON(b, it.payload)
			b = append(b, '}')
		}
		b = append(b, '}')
	case synthEcho:
		b = append(b, `,"message":{"mid":`...)
		b = appendJSON(b, it.mid)
		b = append(b, `,"is_echo":true,"app_id":`...)
		b = appendJSON(b, it.appID)
		if it.meta != "" {
			b = append(b, `,"metadata":`...)
			b = appendJSON(b, it.meta)
		}
		b = append(b, `,"text":`...)
		b = appendJSON(b, it.text)
		b = append(b, '}')
	case synthPostback:
		b = append(b, `,"postback":{"mid":`...)
		b = appendJSON(b, it.mid)
		b = append(b, `,"title":`...)
		b = appendJSON(b, it.title)
		b = append(b, `,"payload":`...)
		b = appendJSON(b, it.payload)
		if it.ref != nil {
			b = append(b, `,"referral":`...)
			b = c.appendRef(b, it.ref)
		}
		b = append(b, '}')
	case synthReferral:
		b = append(b, `,"referral":`...)
		b = c.appendRef(b, it.ref)
	case synthOptin:
		b = append(b, `,"optin":{"type":"notification_messages","payload":"offers","title":"Offers","notification_messages_token":"nmt_`...)
		b = append(b, c.psid...)
		b = append(b, `","notification_messages_timezone":`...)
		b = appendJSON(b, it.title)
		b = append(b, `,"token_expiry_timestamp":`...)
		b = strconv.AppendInt(b, c.s.End.Add(180*24*time.Hour).UnixMilli(), 10)
		b = append(b, `,"user_token_status":"NOT_REFRESHED","notification_messages_status":`...)
		b = appendJSON(b, it.payload)
		b = append(b, '}')
	case synthPass:
		b = append(b, `,"pass_thread_control":{"new_owner_app_id":"`+PageInboxAppID+`","previous_owner_app_id":`...)
		b = appendJSON(b, c.s.AppID)
		b = append(b, `,"metadata":`...)
		b = appendJSON(b, it.meta)
		b = append(b, '}')
	case synthRead:
		b = append(b, `,"read":{"watermark":`...)
		b = strconv.AppendInt(b, at, 10)
		b = append(b, '}')
	}
	return append(b, '}')
}

func (c *synthContact) appendRef(b []byte, ref *synthRef) []byte {
	b = append(b, `{"source":`...)
	b = appendJSON(b, ref.source)
	b = append(b, `,"type":"OPEN_THREAD"`...)
	if ref.ref != "" {
		b = append(b, `,"ref":`...)
		b = appendJSON(b, ref.ref)
	}
	if ref.adID != "" {
		b = append(b, `,"ad_id":`...)
		b = appendJSON(b, ref.adID)
		b = append(b, `,"ads_context_data":{"ad_title":`...)
		b = appendJSON(b, ref.adTitle)
		b = append(b, `,"post_id":`...)
		b = appendJSON(b, c.page+"_88"+ref.adID[len(ref.adID)-13:])
		b = append(b, '}')
	}
	if ref.source == "CUSTOMER_CHAT_PLUGIN" {
		b = append(b, `,"referer_uri":"https://shop.example.com/"`...)
	}
	return append(b, '}')
}

// appendJSON writes s as a JSON string (UTF-8 passes through; quotes, backslashes and controls are escaped).
func appendJSON(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '"' || ch == '\\':
			b = append(b, '\\', ch)
		case ch < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[ch>>4], hex[ch&15])
		default:
			b = append(b, ch)
		}
	}
	return append(b, '"')
}

// FeedOptions tune Feed.
type FeedOptions struct {
	Parse ParseOptions
	// Progress, when set, is called after every commit with the totals so far, never concurrently.
	Progress func(FeedStats)
}

// FeedStats counts what Feed stored.
type FeedStats struct {
	Result
	Contacts int // contacts whose history is committed
	Messages int // messages and echoes among the stored events
	Blocked  int // contacts marked as having blocked the Page
}

// feedChunk is how many events one Feed submission holds; whole contacts go into one submission.
const feedChunk = 4000

// Feed stores the deliveries of contacts synthetic contacts through the ingester and returns what was stored.
// Deliveries are parsed here and submitted a few thousand events at a time, several submissions in flight, so
// that the ingester commits batches of up to its maximum while the next ones are generated. Contacts that
// Synthetic.Blocked picks are then marked blocked, as a failed send would.
func (in *Ingester) Feed(ctx context.Context, gen *Synthetic, contacts int, o FeedOptions) (FeedStats, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	chunk := max(1, min(feedChunk, in.maxBatch/2))
	slots := make(chan struct{}, 2*(in.maxBatch/chunk+1))
	var (
		mu    sync.Mutex
		total FeedStats
		wg    sync.WaitGroup
	)
	submit := func(entries []Entry, contacts, messages int) {
		defer wg.Done()
		defer func() { <-slots }()
		res, err := in.Submit(ctx, entries)
		if err != nil {
			cancel(err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		total.Stored += res.Stored
		total.Duplicates += res.Duplicates
		total.Unrouted += res.Unrouted
		total.Contacts += contacts
		total.Messages += messages
		if o.Progress != nil {
			o.Progress(total)
		}
	}
	var pending []Entry
	events, inChunk, messages := 0, 0, 0
	flush := func() {
		if len(pending) == 0 {
			return
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		wg.Add(1)
		go submit(pending, inChunk, messages)
		pending, events, inChunk, messages = nil, 0, 0, 0
	}
	blocked := map[string][]string{}
	for i := 0; i < contacts && ctx.Err() == nil; i++ {
		entries, err := Parse(gen.Contact(i), o.Parse)
		if err != nil {
			cancel(err)
			break
		}
		for _, e := range entries {
			pending = append(pending, e)
			events += len(e.Events)
			for k := range e.Events {
				if kind := e.Events[k].Kind; kind == KindMessage || kind == KindEcho {
					messages++
				}
			}
		}
		inChunk++
		if gen.Blocked(i) {
			page := gen.Pages[i%len(gen.Pages)]
			blocked[page] = append(blocked[page], strconv.FormatInt(gen.PSIDBase+int64(i), 10))
		}
		if events >= chunk {
			flush()
		}
	}
	flush()
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return total, err
	}
	n, err := in.markBlocked(ctx, blocked)
	total.Blocked = n
	return total, err
}

// markBlocked sets blocked on the given contacts (psids by Page id) and returns how many it changed.
func (in *Ingester) markBlocked(ctx context.Context, psids map[string][]string) (int, error) {
	if err := in.Fold(ctx); err != nil { // the contacts must exist to be marked
		return 0, err
	}
	pages := make([]string, 0, len(psids))
	for p := range psids {
		pages = append(pages, p)
	}
	routes, err := in.routes.lookup(ctx, pages)
	if err != nil {
		return 0, err
	}
	changed := 0
	now := time.Now().UnixMilli()
	for page, list := range psids {
		rt, ok := routes[page]
		if !ok {
			continue
		}
		for start := 0; start < len(list); start += 500 {
			res := in.db.W.WithContext(ctx).Exec(`UPDATE contacts SET blocked = ?, updated_at = ?
				WHERE tenant_id = ? AND brand_id = ? AND page_id = ? AND psid IN ?`,
				true, now, rt.TenantID, rt.BrandID, page, list[start:min(start+500, len(list))])
			if res.Error != nil {
				return changed, fmt.Errorf("conversations: mark blocked: %w", res.Error)
			}
			changed += int(res.RowsAffected)
		}
	}
	return changed, nil
}
