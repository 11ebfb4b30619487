package sandbox

import (
	"crypto/hmac"
	"net/http"
	"strings"
)

// pageTokenPrefix starts every Page token the sandbox issues: "EAAB" as Meta's tokens begin (relance checks
// the shape), then a marker, the Page id and a MAC under the app secret.
const pageTokenPrefix = "EAABsbx"

// PageToken is the access token the sandbox of this app secret issues for a Page: what a Page admin gets from
// Meta. It names its Page and cannot be made for another Page without the secret, so it speaks only for the
// Page it was issued for, as a real Page token does.
func PageToken(appSecret, pageID string) string {
	return pageTokenPrefix + pageID + "P" + proofOf(appSecret, "page token:"+pageID)[:32]
}

// PageToken is the access token this sandbox issues for a Page (see the function PageToken).
func (s *Sandbox) PageToken(pageID string) string { return PageToken(s.o.AppSecret, pageID) }

// tokenPage is the Page a token was issued (PageToken) or registered (RegisterPage) for, "" for any other
// token. The mutex is held.
func (s *Sandbox) tokenPage(token string) string {
	if id := s.tokens[token]; id != "" {
		return id
	}
	rest, ok := strings.CutPrefix(token, pageTokenPrefix)
	if !ok {
		return ""
	}
	id, _, ok := strings.Cut(rest, "P")
	if !ok || !digits.MatchString(id) || !hmac.Equal([]byte(token), []byte(PageToken(s.o.AppSecret, id))) {
		return ""
	}
	return id
}

// notAPageToken is Meta's answer to a Page call with a token that is no Page token it issued (code 190).
func notAPageToken() *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: 190, Type: "OAuthException",
		Message: "Invalid OAuth access token - Cannot parse access token"}
}

// otherPagesToken is Meta's answer to a call on one Page with the token of another: a permissions error (#200).
func otherPagesToken() *apiError {
	return &apiError{Status: http.StatusForbidden, Code: 200, Type: "OAuthException",
		Message: "(#200) Permissions error"}
}

// checkPageToken refuses a call on a Page (or one of its conversations) made with a Page token issued for
// another Page. Other tokens pass here; the calls that prove who holds a Page (/me, subscribed_apps) refuse
// them too, through ownPage. The mutex is held.
func (s *Sandbox) checkPageToken(c *call, k kind) *apiError {
	owner := s.tokenPage(c.Token)
	if owner == "" || c.Node == "me" {
		return nil
	}
	target := c.Node
	if k == kindConversation {
		t := s.st.threadIDs[c.Node]
		if t == nil {
			return nil
		}
		target = t.PageID
	}
	if (k == kindPage || k == kindConversation) && target != owner {
		return otherPagesToken()
	}
	return nil
}

// ownPage is the Page of a call that only the Page's own token may make: /me, the subscription of apps.
func (s *Sandbox) ownPage(c *call) (*Page, *apiError) {
	p, e := s.pageOf(c)
	if e != nil {
		return nil, e
	}
	switch owner := s.tokenPage(c.Token); {
	case owner == "":
		return nil, notAPageToken()
	case owner != p.ID:
		return nil, otherPagesToken()
	}
	return p, nil
}
