package meta

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ErrForeignNext is a paging.next URL that does not point at the Graph API the client is configured for:
// following it would send the token elsewhere.
var ErrForeignNext = errors.New("meta: paging.next points outside the Graph API base URL")

// target is the URL of a request: the base URL, the version and the path with the query, or a paging.next
// URL followed as Meta gave it (reference §3), once checked to be on the same server and version-prefixed
// path, and without any credential it may repeat (Meta copies a query-string access_token into next).
func (c *Client) target(r request) (*url.URL, error) {
	if r.next == "" {
		u := *c.base
		u.Path = u.Path + "/" + c.o.Version + "/" + strings.TrimLeft(r.path, "/")
		if len(r.query) > 0 {
			q := url.Values{}
			for k, v := range r.query {
				if !isCredential(k) {
					q[k] = v
				}
			}
			u.RawQuery = q.Encode()
		}
		return &u, nil
	}
	n, err := url.Parse(r.next)
	if err != nil {
		return nil, fmt.Errorf("%w: unreadable", ErrForeignNext)
	}
	n = c.base.ResolveReference(n) // an older sandbox answered relative links
	if n.Scheme != c.base.Scheme || n.Host != c.base.Host || !strings.HasPrefix(n.Path, c.base.Path+"/v") {
		return nil, fmt.Errorf("%w: %s://%s%s", ErrForeignNext, n.Scheme, n.Host, n.Path)
	}
	q := n.Query()
	for k := range q {
		if isCredential(k) {
			q.Del(k)
		}
	}
	n.RawQuery, n.Fragment, n.User = q.Encode(), "", nil
	return n, nil
}

// isCredential names the parameters the client sets itself and never copies from elsewhere.
func isCredential(name string) bool {
	return name == "access_token" || name == "appsecret_proof"
}

// withProof adds appsecret_proof to a JSON object body (the client only ever sends objects).
func withProof(body []byte, proof string) []byte {
	t := bytes.TrimSpace(body)
	if len(t) < 2 || t[0] != '{' {
		return body
	}
	field := `"appsecret_proof":` + strconv.Quote(proof)
	inner := bytes.TrimSpace(t[1 : len(t)-1])
	out := make([]byte, 0, len(t)+len(field)+2)
	out = append(out, '{')
	out = append(out, field...)
	if len(inner) > 0 {
		out = append(out, ',')
		out = append(out, inner...)
	}
	return append(out, '}')
}
