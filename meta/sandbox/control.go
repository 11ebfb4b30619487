package sandbox

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// control serves /_sandbox/: endpoints Meta does not have, for tests, demos and a standalone sandbox
// (register accounts, Pages (answering the Page token issued for them) and threads, move the simulated
// clock, read what was sent). They answer only to "Authorization: Bearer <app secret>", since they change
// what the sandbox believes.
func (s *Sandbox) control(w http.ResponseWriter, r *http.Request) {
	auth := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if subtle.ConstantTimeCompare([]byte(auth), []byte(s.o.AppSecret)) != 1 {
		s.write(w, http.StatusUnauthorized, map[string]string{"error": "the control endpoints need Authorization: Bearer <app secret>"})
		return
	}
	var in struct {
		ID                string    `json:"id"`
		Name              string    `json:"name"`
		Currency          string    `json:"currency"`
		Timezone          string    `json:"timezone"`
		AccessToken       string    `json:"access_token"`
		PageID            string    `json:"page_id"`
		PSID              string    `json:"psid"`
		Country           string    `json:"country"`
		SubscriptionToken string    `json:"subscription_token"`
		LastUserAt        time.Time `json:"last_user_at"`
		Seconds           int64     `json:"seconds"`
		Until             time.Time `json:"until"`
		// POST /users: the Pages and ad accounts a person of the Login dialog manages (ids, or objects with
		// an id and a name).
		Pages      []json.RawMessage `json:"pages"`
		AdAccounts []json.RawMessage `json:"ad_accounts"`
		Profile    string            `json:"profile"`
		Review     string            `json:"review"`
		Reason     string            `json:"reason"`
	}
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err == nil && len(body) > 0 {
			err = json.Unmarshal(body, &in)
		}
		if err != nil {
			s.write(w, http.StatusBadRequest, map[string]string{"error": "body: " + err.Error()})
			return
		}
	}
	switch r.Method + " " + strings.TrimPrefix(r.URL.Path, "/_sandbox") {
	case "POST /accounts":
		if !strings.HasPrefix(in.ID, "act_") || in.Currency == "" {
			s.write(w, http.StatusBadRequest, map[string]string{"error": "id (act_…) and currency are required"})
			return
		}
		s.RegisterAccount(Account{ID: in.ID, Name: in.Name, Currency: in.Currency, Timezone: in.Timezone})
	case "POST /pages":
		if !digits.MatchString(in.ID) {
			s.write(w, http.StatusBadRequest, map[string]string{"error": "id must be a numeric Page id"})
			return
		}
		s.RegisterPage(in.ID, in.Name, in.AccessToken)
		if in.Profile != "" {
			s.SetPageProfile(in.ID, in.Profile)
		}
		// The answer carries the Page token the sandbox issued, what a Page admin would copy from Meta.
		s.write(w, http.StatusOK, map[string]string{"id": in.ID, "access_token": s.PageToken(in.ID)})
		return
	case "POST /users":
		p, msg := s.personFrom(in.ID, in.Name, in.Pages, in.AdAccounts)
		if msg != "" {
			s.write(w, http.StatusBadRequest, map[string]string{"error": msg})
			return
		}
		s.RegisterPerson(p)
	case "POST /threads":
		if in.PageID == "" || in.PSID == "" {
			s.write(w, http.StatusBadRequest, map[string]string{"error": "page_id and psid are required"})
			return
		}
		s.RegisterThread(in.PageID, in.PSID, in.Country, in.LastUserAt, in.SubscriptionToken)
	case "POST /advance":
		var err error
		if !in.Until.IsZero() {
			err = s.AdvanceTo(r.Context(), in.Until)
		} else {
			err = s.Advance(r.Context(), time.Duration(in.Seconds)*time.Second)
		}
		if err != nil {
			s.write(w, http.StatusGatewayTimeout, map[string]string{"error": err.Error()})
			return
		}
	case "POST /flush":
		if err := s.Flush(r.Context()); err != nil {
			s.write(w, http.StatusGatewayTimeout, map[string]string{"error": err.Error()})
			return
		}
	case "POST /review":
		if err := s.SetReview(in.ID, in.Review, in.Reason); err != nil {
			s.write(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
	case "GET /state":
	case "GET /sends":
		s.write(w, http.StatusOK, map[string]any{"data": s.Sends()})
		return
	default:
		s.write(w, http.StatusNotFound, map[string]string{"error": "no such control endpoint"})
		return
	}
	s.write(w, http.StatusOK, s.Summary())
}

// Summary is what the sandbox holds, for the control endpoint and logs.
type Summary struct {
	Now       time.Time `json:"now"`
	Accounts  int       `json:"accounts"`
	Pages     int       `json:"pages"`
	Threads   int       `json:"threads"`
	Campaigns int       `json:"campaigns"`
	AdSets    int       `json:"adsets"`
	Ads       int       `json:"ads"`
	Audiences int       `json:"audiences"`
	Sends     int       `json:"sends"`
	Pending   int       `json:"pending_webhooks"`
}

// Summary counts the sandbox's objects.
func (s *Sandbox) Summary() Summary {
	pending := len(s.out.pending())
	s.mu.Lock()
	defer s.mu.Unlock()
	return Summary{Now: s.sim, Accounts: len(s.st.accounts), Pages: len(s.st.pages), Threads: len(s.st.threads),
		Campaigns: len(s.st.campaigns), AdSets: len(s.st.adsets), Ads: len(s.st.ads), Audiences: len(s.st.audiences),
		Sends: len(s.st.sends), Pending: pending}
}

// Sends returns the messages sent so far, oldest first.
func (s *Sandbox) Sends() []Send {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.sends)
}
