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
// links, the website chat plugin, Messenger codes and organic search, writing in the languages of the
// generator's Voice (English and French by default) with prices, dates, places, phone numbers, e-mails and links, tapping quick replies and menu buttons, answered by
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
	// Voice is how the contacts and the Page write (languages, texts, ads, links); nil is DefaultVoice.
	Voice *Voice
	rng   *rand.Rand

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
	lang      *VoiceLang
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
		lang: s.voice().pick(r), items: s.items[:0]}
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
		links := c.s.voice().Shortlinks
		ref := &synthRef{source: "SHORTLINK", ref: links[skewed(r, len(links))]}
		if r.IntN(2) == 0 {
			c.getStarted(ref)
		} else {
			c.add(synthItem{kind: synthReferral, ref: ref})
		}
	case n < 59:
		c.add(synthItem{kind: synthReferral, ref: &synthRef{source: "CUSTOMER_CHAT_PLUGIN", ref: pickOf(r, c.s.voice().Plugin)}})
	case n < 62:
		c.add(synthItem{kind: synthReferral, ref: &synthRef{source: "MESSENGER_CODE", ref: pickOf(r, c.s.voice().Codes)}})
	case n < 80:
		c.getStarted(nil)
	}
}

func (c *synthContact) getStarted(ref *synthRef) {
	c.add(synthItem{kind: synthPostback, mid: c.mid(), title: "Get Started", payload: "GET_STARTED", ref: ref})
}

// ad picks an ad, the popular ones more often; retarget gives the retargeting ad half the time.
func (c *synthContact) ad(retarget bool) *synthRef {
	ads := c.s.voice().Ads
	a := ads[skewed(c.r, len(ads)-1)]
	if retarget && c.r.IntN(2) == 0 {
		a = ads[len(ads)-1]
	}
	return &synthRef{source: "ADS", ref: a.Ref, adID: a.ID, adTitle: a.Title}
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
			links := c.s.voice().Shortlinks
			c.add(synthItem{kind: synthReferral, ref: &synthRef{source: "SHORTLINK", ref: links[skewed(r, len(links))]}})
		}
	}
}

// turn is one message from the person (now and then after a menu tap) and perhaps an answer.
func (c *synthContact) turn(want int) {
	r := c.r
	if r.IntN(100) < 5 {
		m := pickOf(r, c.s.voice().Menu)
		c.add(synthItem{kind: synthPostback, mid: c.mid(), title: m.Title, payload: m.Payload})
		if m.Payload == "TALK_TO_HUMAN" && !c.human {
			c.pass("TALK_TO_HUMAN")
		}
	}
	switch {
	case c.offered && r.IntN(2) == 0:
		k := r.IntN(len(c.s.voice().QuickReplies))
		payload := c.s.voice().QuickReplies[k]
		c.add(synthItem{kind: synthMessage, mid: c.mid(), text: c.lang.QuickReplies[k], payload: payload})
		if payload == "QR_HUMAN" && !c.human {
			c.pass("QR_HUMAN")
		}
	case r.IntN(100) < 3:
		c.add(synthItem{kind: synthMessage, mid: c.mid(), image: true})
	default:
		c.add(synthItem{kind: synthMessage, mid: c.mid(), text: c.s.text(c.lang, c.psid)})
	}
	c.made++
	c.offered = false
	if c.made >= want {
		return
	}
	x := r.IntN(10)
	switch {
	case c.human && x < 6, !c.human && x >= 5 && x < 7:
		c.add(synthItem{kind: synthEcho, mid: c.mid(), appID: PageInboxAppID, text: pickOf(r, c.lang.Human)})
	case !c.human && x < 5, c.human && x == 6:
		c.offered = r.IntN(3) == 0
		c.add(synthItem{kind: synthEcho, mid: c.mid(), appID: c.s.AppID, meta: "relance:auto-reply", text: pickOf(r, c.lang.Bot)})
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
	c.add(synthItem{kind: synthOptin, payload: status, title: pickOf(c.r, c.s.voice().Zones)})
}

// text picks a message of the language and fills its blanks.
func (s *Synthetic) text(lang *VoiceLang, psid string) string {
	r := s.rng
	tpl := lang.Texts[r.IntN(len(lang.Texts))]
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
			b.WriteString(lang.Items[r.IntN(len(lang.Items))])
		case "place":
			b.WriteString(pickOf(r, s.voice().Places))
		case "email":
			fmt.Fprintf(&b, s.voice().Email, psid)
		case "url":
			fmt.Fprintf(&b, s.voice().URL, 1000+r.IntN(9000))
		case "phone_us":
			fmt.Fprintf(&b, "+1 212 555 %04d", r.IntN(10000))
		case "nnnn":
			fmt.Fprintf(&b, "%04d", r.IntN(10000))
		case "nn":
			fmt.Fprintf(&b, "%02d", r.IntN(100))
		case "n":
			b.WriteString(strconv.Itoa(10 + r.IntN(89)))
		default:
			voiceBlank(&b, r, tpl[open+1:end])
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
		b = append(b, `,"referer_uri":`...)
		b = appendJSON(b, c.s.voice().Site)
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
