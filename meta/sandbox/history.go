package sandbox

import (
	"slices"
	"strings"
)

// SeedThread puts into the sandbox a conversation that took place before relance was connected to the Page:
// Meta holds the history of every thread, relance only what it received since, and the Conversations API is
// how relance backfills the rest. msgs are the thread's messages in any order; those whose id the thread
// already has are left out, so seeding the same history again changes nothing. The person gets the name the
// User Profile API gives them, and their last message opens the thread's window as Meta would count it.
func (s *Sandbox) SeedThread(pageID, psid string, msgs []ThreadMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.thread(pageID, psid)
	if strings.HasPrefix(t.Name, "Sandbox person ") {
		first, last := s.personName(psid)
		t.Name = first + " " + last
	}
	have := make(map[string]bool, len(t.Messages))
	for _, m := range t.Messages {
		have[m.ID] = true
	}
	for _, m := range msgs {
		if have[m.ID] {
			continue
		}
		have[m.ID] = true
		m.At = m.At.UTC()
		t.Messages = append(t.Messages, m)
		if !m.FromPage && m.At.After(t.LastUserAt) {
			t.LastUserAt = m.At
		}
	}
	// The Conversations API lists a thread's messages by time, newest first.
	slices.SortStableFunc(t.Messages, func(a, b ThreadMessage) int { return a.At.Compare(b.At) })
}

// ThreadCount is how many threads of a Page the Conversations API lists (those with messages).
func (s *Sandbox) ThreadCount(pageID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, t := range s.st.threads {
		if k.PageID == pageID && len(t.Messages) > 0 {
			n++
		}
	}
	return n
}
