package meta

import (
	"context"
	"errors"
	"net/url"
	"strings"
)

// ErrBadPSID means a PSID that is not a Page-scoped id (digits): it would name another node of the graph.
var ErrBadPSID = errors.New("meta: a PSID is made of digits")

// UserProfile is what the Messenger User Profile API tells of a person (GET /{psid}?fields=…): fields the
// person did not share, or Meta withholds, come back empty.
type UserProfile struct {
	ID         string `json:"id"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	ProfilePic string `json:"profile_pic"`
}

// Name is the first and last name as one, "" when Meta gave neither.
func (p UserProfile) Name() string {
	return strings.TrimSpace(p.FirstName + " " + p.LastName)
}

// profileFields are the User Profile API fields relance reads: no more than it shows.
const profileFields = "first_name,last_name,profile_pic"

// Profile reads a person's name and picture with the token of the Page the PSID belongs to
// (GET /{psid}?fields=first_name,last_name,profile_pic). The token travels in the Authorization header.
func (c *Client) Profile(ctx context.Context, psid, pageToken string) (UserProfile, error) {
	var out UserProfile
	if psid == "" || strings.Trim(psid, "0123456789") != "" {
		return out, ErrBadPSID
	}
	err := c.call(ctx, request{method: "GET", path: psid, token: pageToken,
		query: url.Values{"fields": {profileFields}}}, &out)
	return out, err
}
