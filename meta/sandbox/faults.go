package sandbox

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Faults the sandbox can play on purpose, for tests and demos of what a client must survive: LoseAnswers
// makes the sandbox do what a call asks and then lose the answer, as when a connection drops after Meta
// acted (a crash or a timeout on the caller's side looks the same). Over HTTP the connection is closed
// without an answer; through Transport the round trip fails.

// faults are the armed faults; they have their own lock, taken before a call reaches the sandbox's.
type faults struct {
	mu   sync.Mutex
	lose []loseRule
}

// loseRule loses the answers of the next n calls of a method to an edge (the path's last segment).
type loseRule struct {
	method, edge string
	n            int
}

// errAnswerLost is what Transport returns for a call whose answer a fault lost.
var errAnswerLost = errors.New("sandbox: connection reset by peer (the call was served, its answer lost)")

// LoseAnswers makes the next n calls of method to edge (the last segment of the path, such as
// "customaudiences" or "adsets") take effect and lose their answer.
func (s *Sandbox) LoseAnswers(method, edge string, n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.lose = append(s.faults.lose, loseRule{method: method, edge: edge, n: n})
}

// loses reports whether a fault loses r's answer, counting it down.
func (s *Sandbox) loses(r *http.Request) bool {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	edge := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	for i := range s.faults.lose {
		f := &s.faults.lose[i]
		if f.n > 0 && f.method == r.Method && f.edge == edge {
			f.n--
			return true
		}
	}
	return false
}

// dropAnswer closes the connection of a served call without answering; a writer that cannot be hijacked
// gets a 502 instead, which a client also cannot read as Meta's answer.
func dropAnswer(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	w.WriteHeader(http.StatusBadGateway)
}

// served runs a call whose answer is lost.
func (s *Sandbox) served(r *http.Request) { s.serve(httptest.NewRecorder(), r) }
