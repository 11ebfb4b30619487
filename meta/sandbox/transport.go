package sandbox

import (
	"net/http"
	"net/http/httptest"
)

// Transport returns a RoundTripper that hands requests to the sandbox inside the process: the client still
// builds, signs and decodes real HTTP, only the network is skipped (meta.graph_url = "sandbox").
func (s *Sandbox) Transport() http.RoundTripper { return transport{s} }

type transport struct{ s *Sandbox }

func (t transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	if req.Body == nil {
		// A server always sees a body; a client's GET has none. RoundTrippers must not modify the request.
		req = req.Clone(req.Context())
		req.Body = http.NoBody
	}
	if t.s.loses(req) {
		t.s.served(req)
		return nil, errAnswerLost
	}
	rec := httptest.NewRecorder()
	t.s.serve(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}
