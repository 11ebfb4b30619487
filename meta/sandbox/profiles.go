package sandbox

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// The User Profile API (GET /{psid}?fields=first_name,last_name,profile_pic with the Page token): the
// sandbox gives every person it knows a name and a picture that depend only on the seed and the PSID, and
// counts the calls, so that tests can hold relance to asking once per contact per refresh age.

// profileFirst and profileLast are the names the sandbox's people are given: the demo brands' customers
// live in France, Indonesia and Thailand.
var (
	profileFirst = []string{"Camille", "Léa", "Hugo", "Chloé", "Louis", "Inès", "Jules", "Manon", "Ayu", "Budi",
		"Dewi", "Putri", "Rizky", "Sari", "Somchai", "Nattaya", "Kittipong", "Pimchanok", "Anong", "Malee"}
	profileLast = []string{"Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Garnier", "Santoso", "Wijaya",
		"Hartono", "Pratama", "Saputra", "Kusuma", "Srisai", "Chaiyaphum", "Wongsakul", "Rattana", "Boonmee", "Suksan"}
	// profileHues are the avatar backgrounds: dark enough for white initials at WCAG AA.
	profileHues = []string{"#1d4ed8", "#047857", "#b45309", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f", "#a21caf"}
)

// personKind says whether a call is a User Profile read: a GET of a node that is no Page the sandbox knows,
// with a Page token, naming a person of that Page's threads. The mutex is held.
func (s *Sandbox) personKind(c *call, k kind) kind {
	if k != kindPage || c.Method != http.MethodGet || c.Edge != "" || c.Node == "me" || s.st.pages[c.Node] != nil {
		return k
	}
	owner := s.tokenPage(c.Token)
	if owner == "" || owner == c.Node || s.knownThread(owner, c.Node) == nil {
		return k
	}
	return kindPerson
}

func (s *Sandbox) routesProfiles() []route {
	return []route{{method: http.MethodGet, kind: kindPerson, fn: s.profile}}
}

// profile is GET /{psid}: the person's name and picture, with only the fields asked for.
func (s *Sandbox) profile(c *call) (any, *apiError) {
	page := s.tokenPage(c.Token)
	t := s.knownThread(page, c.Node)
	if s.st.profileCalls == nil {
		s.st.profileCalls = map[Member]int{}
	}
	s.st.profileCalls[Member{PageID: page, PSID: t.PSID}]++
	first, last := s.personName(t.PSID)
	view := map[string]any{"id": t.PSID, "first_name": first, "last_name": last, "name": first + " " + last,
		"profile_pic": avatar(first, last, s.o.Seed+t.PSID)}
	fields := fieldNames(c.P.str("fields"))
	if len(fields) == 0 {
		fields = []string{"first_name", "last_name"}
	}
	return selectFields(view, "User", fields)
}

// personName is the name the sandbox gives a PSID.
func (s *Sandbox) personName(psid string) (first, last string) {
	r := seeded(s.o.Seed, "profile", psid)
	return profileFirst[r.IntN(len(profileFirst))], profileLast[r.IntN(len(profileLast))]
}

// PersonName is the first and last name the sandbox answers for a PSID: tests and the demo compare with it.
func (s *Sandbox) PersonName(psid string) (first, last string) { return s.personName(psid) }

// ProfileCalls is how many User Profile reads the sandbox answered for a person of a Page.
func (s *Sandbox) ProfileCalls(pageID, psid string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.profileCalls[Member{PageID: pageID, PSID: psid}]
}

// avatar is a picture with the person's initials, as an SVG data URI: Meta answers a CDN URL, but the
// in-process sandbox has no address a browser can reach, and a data URI shows anywhere.
func avatar(first, last, key string) string {
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	initials := initial(first) + initial(last)
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">`+
		`<rect width="64" height="64" rx="32" fill="%s"/><text x="32" y="41" font-family="sans-serif" font-size="26" `+
		`text-anchor="middle" fill="#fff">%s</text></svg>`, profileHues[h%uint32(len(profileHues))], initials)
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg))
}

// initial is the first letter of a name, upper case.
func initial(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return ""
	}
	return strings.ToUpper(string(r))
}
