package sandbox

import (
	"time"
)

// thread finds or starts the thread of a person with a Page; the mutex is held.
func (s *Sandbox) thread(pageID, psid string) *Thread {
	k := Member{PageID: pageID, PSID: psid}
	if t := s.st.threads[k]; t != nil {
		return t
	}
	s.page(pageID)
	t := &Thread{ID: "t_" + s.newID("conversation"), PageID: pageID, PSID: psid, Name: "Sandbox person " + psid}
	s.st.threads[k] = t
	s.st.threadIDs[t.ID] = t
	return t
}

// ThreadInfo is what Options.Threads answers about a conversation.
type ThreadInfo struct {
	LastUserAt time.Time
	Country    string
	Blocked    bool
	// LastPageAt is the Page's last message to the person (zero when unknown).
	LastPageAt time.Time
}

// knownThread is the thread of a person with a Page if the sandbox knows or can learn it; the mutex is held.
func (s *Sandbox) knownThread(pageID, psid string) *Thread {
	if t := s.st.threads[Member{PageID: pageID, PSID: psid}]; t != nil {
		return t
	}
	if s.o.Threads == nil {
		return nil
	}
	info, ok := s.o.Threads(pageID, psid)
	if !ok {
		return nil
	}
	t := s.thread(pageID, psid)
	t.LastUserAt, t.Country, t.Blocked, t.LastPageAt = info.LastUserAt.UTC(), info.Country, info.Blocked, info.LastPageAt.UTC()
	return t
}

// apply records in the threads what a scheduled webhook says happened, when it is sent: the person's
// messages and interactions open the 24-hour window and appear in the Conversations API.
func (s *Sandbox) apply(d dueEvent) {
	for _, ev := range d.events {
		sender, _ := ev["sender"].(map[string]any)
		psid, _ := sender["id"].(string)
		if psid == "" || psid == d.page {
			continue
		}
		t := s.thread(d.page, psid)
		if t.LastUserAt.Before(d.at) {
			t.LastUserAt = d.at
		}
		if m, ok := ev["message"].(map[string]any); ok {
			text, _ := m["text"].(string)
			mid, _ := m["mid"].(string)
			t.Messages = append(t.Messages, ThreadMessage{ID: mid, At: d.at, Text: text})
		}
	}
}

// RegisterThread tells the sandbox about a conversation relance already holds (demo data, imported
// history), so that sends to it are judged against its real window. lastUserAt is the person's last
// message or interaction; token, if set, is a Marketing Messages subscription.
func (s *Sandbox) RegisterThread(pageID, psid, country string, lastUserAt time.Time, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.thread(pageID, psid)
	if lastUserAt.After(t.LastUserAt) {
		t.LastUserAt = lastUserAt.UTC()
	}
	if country != "" {
		t.Country = country
	}
	if token != "" {
		t.SubscriptionToken = token
	}
}

// RegisterAccount tells the sandbox an ad account's currency and time zone (accounts it does not know are
// made in USD and UTC).
func (s *Sandbox) RegisterAccount(a Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := a
	if cp.Timezone == "" {
		cp.Timezone = "UTC"
	}
	if cp.Name == "" {
		cp.Name = "Sandbox account"
	}
	s.st.accounts[a.ID] = &cp
}

// SetPageProfile sets the messaging policy a Page plays: "meta-2017" or "meta-current" (the default).
func (s *Sandbox) SetPageProfile(id, profile string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.page(id).Profile = profile
}

// profileOf is the policy a Page plays: the one set for it, else Options.PageProfile's answer; the mutex is
// held.
func (s *Sandbox) profileOf(pageID string) string {
	p := s.page(pageID)
	if p.Profile == "" && s.o.PageProfile != nil {
		return s.o.PageProfile(pageID)
	}
	return p.Profile
}

// RegisterPage names a Page and registers a token that speaks for it, besides the one PageToken issues.
func (s *Sandbox) RegisterPage(id, name, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.page(id)
	if name != "" {
		p.Name = name
	}
	if token != "" {
		s.tokens[token] = id
	}
}
