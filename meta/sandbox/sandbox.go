package sandbox

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrConfig means the sandbox was built without an app secret.
var ErrConfig = errors.New("sandbox: an app secret is required (it checks appsecret_proof and signs webhooks)")

// Options configure a Sandbox.
type Options struct {
	// AppSecret checks every call's appsecret_proof and signs the webhooks the sandbox sends.
	AppSecret string
	// AppID is the app the sandbox plays: echoes of messages sent through it carry this app_id.
	AppID string
	// Seed makes every simulated decision reproducible.
	Seed string
	// Start is where the simulated clock begins (default: now, truncated to the hour).
	Start time.Time
	// WebhookURL receives the signed webhooks of simulated conversations ("" keeps them in the outbox).
	WebhookURL string
	// HTTP posts the webhooks (default: 10 s timeout).
	HTTP *http.Client
	// FailRate is the share of calls answered with a transient error (code 2), 0 to 1.
	FailRate float64
	// Per-hour call limits behind the usage headers: at 100 % calls fail with 4 (app), 32 (Page) or 613 (ad
	// account) until the hour has passed. 0 means no limit (headers still report the share).
	AppCallsPerHour, PageCallsPerHour, AccountCallsPerHour int
	// ReplyRate is the share of sponsored and Marketing Messages that get a reply (default 0.15).
	ReplyRate float64
	// Accounts, if set, tells the sandbox an ad account's currency and time zone the first time a call names
	// it, as the real Meta knows them (relance answers from its own ad_accounts table).
	Accounts func(id string) (Account, bool)
	// Threads, if set, tells the sandbox about a conversation it did not see start, the first time a send
	// names it: Meta knows every thread, and relance's contacts say what Meta would (its last message or
	// interaction, whether the person blocked the Page).
	Threads func(pageID, psid string) (ThreadInfo, bool)
	// PageProfile, if set, says which messaging policy a Page's brand plays ("meta-2017" or "meta-current")
	// when SetPageProfile did not; it is asked only for a standard message after the window.
	PageProfile func(pageID string) string
	// Subscriber, if set, names the person behind a Marketing Messages subscription token of a Page the
	// sandbox has not seen issued (Meta issued every token relance holds): relance's contacts say.
	Subscriber func(pageID, token string) (psid string, ok bool)
	// Now is the wall clock of the usage windows (tests replace it).
	Now func() time.Time
	// Log receives delivery failures of the outbox.
	Log *slog.Logger
}

// Sandbox is the fake Graph API. It is safe for concurrent use.
type Sandbox struct {
	o      Options
	faults faults
	mu     sync.Mutex
	st     state
	sim    time.Time // the simulated clock
	rng    *rand.Rand
	limits limiter
	out    *outbox
	trace  uint64
	routes []route
	due    []dueEvent // webhooks scheduled for later simulated times
	seq    int64
	tokens map[string]string // Page tokens registered for /me calls → Page id
	lg     loginState        // Facebook Login: people, codes, person tokens
	capi   capiState         // Conversions API datasets and the events they received
}

// New builds a sandbox with an empty state.
func New(o Options) (*Sandbox, error) {
	if o.AppSecret == "" {
		return nil, ErrConfig
	}
	if o.Seed == "" {
		o.Seed = "relance"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Start.IsZero() {
		o.Start = o.Now().UTC().Truncate(time.Hour)
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	if o.ReplyRate == 0 {
		o.ReplyRate = 0.15
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Sandbox{o: o, st: newState(), sim: o.Start.UTC(), rng: seeded(o.Seed, "calls"), tokens: map[string]string{},
		lg: newLoginState()}
	s.limits = newLimiter(o)
	s.out = newOutbox(o)
	s.routes = s.table()
	return s, nil
}

// seeded returns a generator that depends only on the seed and the parts given.
func seeded(seed string, parts ...string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(seed))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	a := h.Sum64()
	h.Write([]byte{1})
	return rand.New(rand.NewPCG(a, h.Sum64()))
}

// call is one Graph request after routing.
type call struct {
	Method  string
	Version string
	Node    string // the first path segment after the version: an id, act_…, or "me"
	Edge    string // the second segment, "" for the node itself
	Token   string
	P       params
	Header  http.Header // response headers the handler may add to
	// Base is scheme://host of the server that answered, and Query the call's query without credentials:
	// paging.next links repeat both (reference §3).
	Base  string
	Query url.Values
}

// handler serves one route. It runs with the sandbox's mutex held; it returns the JSON to answer or an error.
type handler func(c *call) (any, *apiError)

// route matches a method, a kind of node and an edge.
type route struct {
	method string
	kind   kind
	edge   string
	fn     handler
}

// kind is what a node id names.
type kind int

// The kinds of node; kindPage is the fallback for a numeric id the sandbox does not otherwise know.
const (
	kindNone kind = iota
	kindAccount
	kindPage
	kindCampaign
	kindAdSet
	kindAd
	kindCreative
	kindAudience
	kindReportRun
	kindMessageCampaign
	kindConversation
	kindDataset
	kindPerson // a PSID read through the User Profile API (profiles.go)
)

// table lists the routes; each product file adds its own through a method named routes<Product>.
func (s *Sandbox) table() []route {
	var rs []route
	for _, add := range []func() []route{s.routesSend, s.routesPages, s.routesMarketing, s.routesAudiences,
		s.routesInsights, s.routesMessages, s.routesCAPI, s.routesProfiles} {
		rs = append(rs, add()...)
	}
	return rs
}

// kindOf says what a node id names.
func (s *Sandbox) kindOf(node string) kind {
	switch {
	case strings.HasPrefix(node, "act_"):
		return kindAccount
	case node == "me":
		return kindPage
	case strings.HasPrefix(node, "t_"):
		return kindConversation
	}
	st := &s.st
	switch {
	case st.campaigns[node] != nil:
		return kindCampaign
	case st.adsets[node] != nil:
		return kindAdSet
	case st.ads[node] != nil:
		return kindAd
	case st.creatives[node] != nil:
		return kindCreative
	case st.audiences[node] != nil:
		return kindAudience
	case st.reports[node] != nil:
		return kindReportRun
	case st.msgCamps[node] != nil:
		return kindMessageCampaign
	case s.capi.pages[node] != "":
		return kindDataset
	case digits.MatchString(node):
		return kindPage
	}
	return kindNone
}

var (
	digits    = regexp.MustCompile(`^[0-9]{1,20}$`)
	versionRe = regexp.MustCompile(`^v([0-9]+)\.([0-9]+)$`)
)

// oldestVersion is the oldest Graph API version the sandbox accepts; older ones are refused as Meta refuses
// versions past their end of life.
const oldestVersion = 22

// ServeHTTP answers Graph calls and, under /_sandbox/, the control endpoints; a call a fault loses (LoseAnswers)
// is served and its connection closed without an answer.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.loses(r) {
		s.served(r)
		dropAnswer(w)
		return
	}
	s.serve(w, r)
}

// serve answers one call.
func (s *Sandbox) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sandbox/") {
		s.control(w, r)
		return
	}
	if isDialogPath(r.URL.Path) {
		s.dialog(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		s.fail(w, invalidParam("could not read the request body"))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	m := versionRe.FindStringSubmatch(segs[0])
	if m == nil {
		// Unversioned Marketing API calls fail (reference §3).
		s.fail(w, &apiError{Status: http.StatusBadRequest, Code: 100, Type: "GraphMethodException",
			Message: fmt.Sprintf("Unknown path components: /%s. Calls must name a Graph API version, such as /v25.0/.", segs[0])})
		return
	}
	if major, _ := strconv.Atoi(m[1]); major < oldestVersion {
		s.fail(w, &apiError{Status: http.StatusBadRequest, Code: 2635, Type: "OAuthException",
			Message: fmt.Sprintf("(#2635) You are calling a deprecated version of the Graph API (%s). Please update to v%d.0 or later.", segs[0], oldestVersion)})
		return
	}
	if len(segs) < 2 || len(segs) > 3 || segs[1] == "" {
		s.fail(w, unsupported(r.Method, r.URL.Path))
		return
	}
	if len(segs) == 3 && segs[1] == "oauth" && segs[2] == "access_token" {
		// The app authenticates with its id and secret here: there is no access token yet.
		out, e := s.accessToken(r)
		if e != nil {
			s.fail(w, e)
			return
		}
		s.write(w, http.StatusOK, out)
		return
	}
	c := &call{Method: r.Method, Version: segs[0], Node: segs[1], Header: w.Header(), Base: baseURL(r),
		Query: r.URL.Query()}
	c.Query.Del("access_token")
	c.Query.Del("appsecret_proof")
	if len(segs) == 3 {
		c.Edge = segs[2]
	}
	if c.Token = credential(r, body, "access_token"); c.Token == "" {
		s.fail(w, &apiError{Status: http.StatusBadRequest, Code: 104, Type: "OAuthException",
			Message: "An access token is required to request this resource."})
		return
	}
	proof := credential(r, body, "appsecret_proof")
	if proof == "" {
		s.fail(w, &apiError{Status: http.StatusBadRequest, Code: 100, Type: "GraphMethodException",
			Message: "API calls from the server require an appsecret_proof argument"})
		return
	}
	if !hmac.Equal([]byte(proof), []byte(proofOf(s.o.AppSecret, c.Token))) {
		s.fail(w, &apiError{Status: http.StatusBadRequest, Code: 100, Type: "GraphMethodException",
			Message: "Invalid appsecret_proof provided in the API argument"})
		return
	}
	if e := tokenProblem(c.Token); e != nil {
		s.fail(w, e)
		return
	}
	var pe *apiError
	if c.P, pe = readParams(r); pe != nil {
		s.fail(w, pe)
		return
	}
	s.mu.Lock()
	out, e := s.dispatch(c)
	s.mu.Unlock()
	if e != nil {
		s.fail(w, e)
		return
	}
	s.write(w, http.StatusOK, out)
}

// baseURL is scheme://host of the server a request reached: the listener's for a served request, the
// client's URL for one handed over in-process (Transport), whose Host and scheme come from the client.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if r.URL.Scheme != "" {
		scheme = r.URL.Scheme
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	return scheme + "://" + host
}

// dispatch applies the limits and finds the route. The mutex is held.
func (s *Sandbox) dispatch(c *call) (any, *apiError) {
	k := s.personKind(c, s.kindOf(c.Node))
	if e := s.limits.take(c, k, s.o.Now()); e != nil {
		return nil, e
	}
	if s.o.FailRate > 0 && s.rng.Float64() < s.o.FailRate {
		return nil, &apiError{Status: http.StatusInternalServerError, Code: 2, Type: "OAuthException", Transient: true,
			Message: "An unexpected error has occurred. Please retry your request later."}
	}
	if out, e, ok := s.personCall(c); ok {
		return out, e
	}
	if k == kindNone {
		return nil, notFound(c.Node)
	}
	if e := s.checkPageToken(c, k); e != nil {
		return nil, e
	}
	for _, rt := range s.routes {
		if rt.method == c.Method && rt.kind == k && rt.edge == c.Edge {
			return rt.fn(c)
		}
	}
	// POST to a node updates it, GET reads it, DELETE removes it: the product files register those with edge "".
	return nil, unsupported(c.Method, "/"+c.Version+"/"+c.Node+map[bool]string{true: "/" + c.Edge, false: ""}[c.Edge != ""])
}

// tokenProblem lets tests and demos provoke token errors: tokens containing "expired" or "invalid" (so
// that they can still look like Page tokens, EAAB…, to relance's own checks).
func tokenProblem(token string) *apiError {
	switch {
	case strings.Contains(token, "expired"):
		return &apiError{Status: http.StatusBadRequest, Code: 190, Subcode: 463, Type: "OAuthException",
			Message: "Error validating access token: Session has expired."}
	case strings.Contains(token, "invalid"):
		return &apiError{Status: http.StatusBadRequest, Code: 190, Type: "OAuthException",
			Message: "Invalid OAuth access token - Cannot parse access token"}
	}
	return nil
}

// proofOf is hex(HMAC-SHA256(app secret, token)) (reference §3).
func proofOf(secret, token string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// fail writes a Meta error.
func (s *Sandbox) fail(w http.ResponseWriter, e *apiError) {
	s.mu.Lock()
	s.trace++
	trace := "Sbx" + strconv.FormatUint(s.trace, 36)
	s.mu.Unlock()
	if e.Regain > 0 {
		s.limits.regainHeader(w.Header(), e.Regain)
	}
	w.Header().Set("X-FB-Trace-ID", trace)
	s.write(w, e.Status, e.body(trace))
}

// write answers JSON.
func (s *Sandbox) write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// idBases are the numbers the ids of each kind count from, so that they look like Meta's.
var idBases = map[string]int64{
	"campaign": 120201000000000000, "adset": 120202000000000000, "ad": 120203000000000000,
	"creative": 120204000000000000, "audience": 23850000000000000, "report": 7100000000000000,
	"msgcampaign": 120205000000000000, "psid": 7300000000000000, "conversation": 9100000000000000,
}

// newID returns the next id of a kind. Ids are numeric strings, as Meta's, and depend only on creation order.
func (s *Sandbox) newID(kind string) string {
	s.st.ids[kind]++
	n := s.st.ids[kind]
	if base, ok := idBases[kind]; ok {
		return strconv.FormatInt(base+n, 10)
	}
	return kind + "_" + strconv.FormatInt(n, 10)
}

// account finds an ad account; accounts nobody registered are created in USD on first use, like a
// developer's test account.
func (s *Sandbox) account(id string) *Account {
	if a := s.st.accounts[id]; a != nil {
		return a
	}
	if s.o.Accounts != nil {
		if a, ok := s.o.Accounts(id); ok {
			a.ID = id
			if a.Timezone == "" {
				a.Timezone = "UTC"
			}
			s.st.accounts[id] = &a
			return &a
		}
	}
	a := &Account{ID: id, Name: "Sandbox account " + strings.TrimPrefix(id, "act_"), Currency: "USD", Timezone: "UTC"}
	s.st.accounts[id] = a
	return a
}

// page finds a Page, created on first use.
func (s *Sandbox) page(id string) *Page {
	if p := s.st.pages[id]; p != nil {
		return p
	}
	p := &Page{ID: id, Name: "Sandbox Page " + id}
	s.st.pages[id] = p
	return p
}

// Now is the simulated time.
func (s *Sandbox) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sim
}
