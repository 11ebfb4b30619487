package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Facebook Login as the sandbox plays it: the dialog (/dialog/oauth, with or without a version in front),
// the code exchange (oauth/access_token, also fb_exchange_token) and what a person's token reads (/me,
// /me/accounts with each Page's token, /me/adaccounts). People are registered with RegisterPerson or
// POST /_sandbox/users; with none registered, one tester who manages every Page and ad account the sandbox
// knows logs in, as an app's developer does with its test Pages.

// Person is someone who can log in through the sandbox's dialog, with the Pages and ad accounts they manage.
type Person struct {
	ID         string
	Name       string
	Pages      []string // Page ids
	AdAccounts []string // act_… ids
}

// defaultPersonID is the tester who logs in when nobody was registered.
const defaultPersonID = "100000000000001"

// codeLifetime is how long a dialog's code may be exchanged, as at Meta (ten minutes).
const codeLifetime = 10 * time.Minute

// userTokenPrefix starts the person tokens the sandbox issues ("EAAB" as Meta's tokens).
const userTokenPrefix = "EAABsbxU"

// authCode is a code the dialog handed out.
type authCode struct {
	person, redirectURI string
	scopes              []string
	expires             time.Time
	used                bool
}

// personToken is an access token issued to a person.
type personToken struct {
	person  string
	scopes  []string
	long    bool
	expires time.Time
}

// loginState is what Facebook Login remembers; the Sandbox's mutex guards it.
type loginState struct {
	people map[string]*Person
	order  []string // registration order, for the dialog
	codes  map[string]*authCode
	tokens map[string]*personToken
}

func newLoginState() loginState {
	return loginState{people: map[string]*Person{}, codes: map[string]*authCode{}, tokens: map[string]*personToken{}}
}

// RegisterPerson adds (or replaces) a person of the dialog; their Pages and ad accounts become known.
func (s *Sandbox) RegisterPerson(p Person) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := p
	cp.Pages, cp.AdAccounts = slices.Clone(p.Pages), slices.Clone(p.AdAccounts)
	if cp.Name == "" {
		cp.Name = "Sandbox person " + p.ID
	}
	for _, id := range cp.Pages {
		s.page(id)
	}
	for _, id := range cp.AdAccounts {
		s.account(id)
	}
	if s.lg.people[p.ID] == nil {
		s.lg.order = append(s.lg.order, p.ID)
	}
	s.lg.people[p.ID] = &cp
}

// people lists the dialog's people: the registered ones, or the default tester. The mutex is held.
func (s *Sandbox) people() []*Person {
	if len(s.lg.order) == 0 {
		return []*Person{s.defaultPerson()}
	}
	out := make([]*Person, 0, len(s.lg.order))
	for _, id := range s.lg.order {
		out = append(out, s.lg.people[id])
	}
	return out
}

// person finds a person by id. The mutex is held.
func (s *Sandbox) person(id string) *Person {
	if len(s.lg.order) == 0 && id == defaultPersonID {
		return s.defaultPerson()
	}
	return s.lg.people[id]
}

// defaultPerson manages everything the sandbox knows. The mutex is held.
func (s *Sandbox) defaultPerson() *Person {
	p := &Person{ID: defaultPersonID, Name: "Sandbox Tester"}
	for id := range s.st.pages {
		p.Pages = append(p.Pages, id)
	}
	for id := range s.st.accounts {
		p.AdAccounts = append(p.AdAccounts, id)
	}
	slices.Sort(p.Pages)
	slices.Sort(p.AdAccounts)
	return p
}

// isDialogPath reports /dialog/oauth or /vX.Y/dialog/oauth.
func isDialogPath(p string) bool {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	switch len(segs) {
	case 2:
		return segs[0] == "dialog" && segs[1] == "oauth"
	case 3:
		return versionRe.MatchString(segs[0]) && segs[1] == "dialog" && segs[2] == "oauth"
	}
	return false
}

// secretToken returns n random bytes in hex: codes and tokens are credentials, never derived from the seed.
func secretToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// dialogPage is the consent screen.
var dialogPage = template.Must(template.New("dialog").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Log in with Facebook (sandbox)</title></head>
<body><main>
<h1>Log in with Facebook <small>(Meta sandbox)</small></h1>
{{if .Error}}<p id="dialog-error">{{.Error}}</p>{{else}}
<p>The app <strong>{{.AppID}}</strong> asks to: {{range $i, $s := .Scopes}}{{if $i}}, {{end}}<code>{{$s}}</code>{{end}}.</p>
<form method="post" id="dialog-form">
<fieldset><legend>Continue as</legend>
{{range $i, $p := .People}}<label><input type="radio" name="person" value="{{$p.ID}}" id="person-{{$p.ID}}"{{if eq $i 0}} checked{{end}}>
{{$p.Name}} ({{len $p.Pages}} Pages, {{len $p.AdAccounts}} ad accounts)</label><br>{{end}}
</fieldset>
<button type="submit" name="decision" value="allow" id="dialog-allow">Continue</button>
<button type="submit" name="decision" value="deny" id="dialog-deny">Cancel</button>
</form>{{end}}
</main></body></html>`))

// dialog serves the Login dialog: GET shows who may log in, POST redirects back with a code or with
// error=access_denied, as Meta's dialog does.
func (s *Sandbox) dialog(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.dialogError(w, "The request could not be read.")
		return
	}
	q := r.URL.Query()
	appID, redirect, state := q.Get("client_id"), q.Get("redirect_uri"), q.Get("state")
	switch ru, err := url.Parse(redirect); {
	case appID == "" || appID != s.o.AppID:
		s.dialogError(w, "Invalid App ID: the provided app ID does not look like a valid app ID.")
		return
	case redirect == "" || err != nil || (ru.Scheme != "http" && ru.Scheme != "https") || ru.Host == "":
		s.dialogError(w, "URL blocked: this redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings.")
		return
	}
	scopes := strings.FieldsFunc(q.Get("scope"), func(r rune) bool { return r == ',' || r == ' ' })
	if r.Method == http.MethodGet {
		s.mu.Lock()
		view := struct {
			AppID, Error string
			Scopes       []string
			People       []*Person
		}{AppID: appID, Scopes: scopes, People: s.people()}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = dialogPage.Execute(w, view)
		return
	}
	back := url.Values{"state": {state}}
	if r.PostForm.Get("decision") != "allow" {
		back.Set("error", "access_denied")
		back.Set("error_code", "200")
		back.Set("error_description", "Permissions error")
		back.Set("error_reason", "user_denied")
	} else {
		s.mu.Lock()
		p := s.person(r.PostForm.Get("person"))
		code := ""
		if p != nil {
			code = "AQ" + secretToken(32)
			s.lg.codes[code] = &authCode{person: p.ID, redirectURI: redirect, scopes: scopes, expires: s.o.Now().Add(codeLifetime)}
		}
		s.mu.Unlock()
		if p == nil {
			s.dialogError(w, "Choose who logs in.")
			return
		}
		back.Set("code", code)
	}
	sep := "?"
	if strings.Contains(redirect, "?") {
		sep = "&"
	}
	http.Redirect(w, r, redirect+sep+back.Encode(), http.StatusFound)
}

// dialogError answers the dialog with Meta's kind of error page.
func (s *Sandbox) dialogError(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	_ = dialogPage.Execute(w, struct {
		AppID, Error string
		Scopes       []string
		People       []*Person
	}{Error: msg})
}

// oauthError is an oauth/access_token refusal.
func oauthError(code, sub int, msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: code, Subcode: sub, Type: "OAuthException", Message: msg}
}

// accessToken serves oauth/access_token: a dialog's code, or a person's token for a long-lived one. The app
// is authenticated by client_id and client_secret (in the query or the body, as Meta takes them).
func (s *Sandbox) accessToken(r *http.Request) (any, *apiError) {
	p, e := readParams(r)
	if e != nil {
		return nil, e
	}
	switch {
	case p.str("client_id") == "":
		return nil, oauthError(101, 0, "Missing client_id parameter.")
	case p.str("client_id") != s.o.AppID:
		return nil, oauthError(101, 0, "Error validating application. Invalid application ID.")
	case p.str("client_secret") != s.o.AppSecret:
		return nil, oauthError(1, 0, "Error validating client secret.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.o.Now()
	if p.str("grant_type") == "fb_exchange_token" {
		old := s.lg.tokens[p.str("fb_exchange_token")]
		if old == nil || now.After(old.expires) {
			return nil, oauthError(190, 0, "Invalid OAuth access token.")
		}
		return s.issue(old.person, old.scopes, true, now), nil
	}
	code := p.str("code")
	if p.str("redirect_uri") == "" {
		return nil, oauthError(191, 0, "Missing redirect_uri parameter.")
	}
	ac := s.lg.codes[code]
	switch {
	case code == "" || ac == nil:
		return nil, oauthError(100, 0, "Invalid verification code format.")
	case ac.used:
		return nil, oauthError(100, 36009, "This authorization code has been used.")
	case now.After(ac.expires):
		return nil, oauthError(100, 36007, "This authorization code has expired.")
	case ac.redirectURI != p.str("redirect_uri"):
		return nil, oauthError(100, 36008, "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request")
	}
	ac.used = true
	return s.issue(ac.person, ac.scopes, false, now), nil
}

// issue makes a person's token. The mutex is held.
func (s *Sandbox) issue(person string, scopes []string, long bool, now time.Time) map[string]any {
	life := time.Hour
	if long {
		life = 60 * 24 * time.Hour
	}
	tok := userTokenPrefix + secretToken(24)
	s.lg.tokens[tok] = &personToken{person: person, scopes: scopes, long: long, expires: now.Add(life)}
	return map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": int64(life.Seconds())}
}

// personCall answers a call made with a person's token on /me or the person's id; ok is false for any other
// node, which the Page and Marketing routes answer. The mutex is held.
func (s *Sandbox) personCall(c *call) (out any, e *apiError, ok bool) {
	pt := s.lg.tokens[c.Token]
	if pt == nil {
		return nil, nil, false
	}
	if s.o.Now().After(pt.expires) {
		return nil, &apiError{Status: http.StatusBadRequest, Code: 190, Subcode: 463, Type: "OAuthException",
			Message: "Error validating access token: Session has expired."}, true
	}
	p := s.person(pt.person)
	if p == nil || (c.Node != "me" && c.Node != p.ID) {
		return nil, nil, false
	}
	if c.Method != http.MethodGet {
		return nil, unsupported(c.Method, "/"+c.Version+"/"+c.Node+"/"+c.Edge), true
	}
	switch c.Edge {
	case "":
		return map[string]any{"id": p.ID, "name": p.Name}, nil, true
	case "accounts":
		if !slices.Contains(pt.scopes, "pages_show_list") {
			return map[string]any{"data": []any{}}, nil, true
		}
		out, e := s.listOf(c, len(p.Pages), func(i int) any { return s.managedPageJSON(c, p.Pages[i]) })
		return out, e, true
	case "adaccounts":
		if !slices.Contains(pt.scopes, "ads_management") && !slices.Contains(pt.scopes, "ads_read") {
			return nil, &apiError{Status: http.StatusForbidden, Code: 200, Type: "OAuthException",
				Message: "(#200) Requires ads_management or ads_read permission"}, true
		}
		out, e := s.listOf(c, len(p.AdAccounts), func(i int) any { return s.adAccountJSON(c, p.AdAccounts[i]) })
		return out, e, true
	}
	return nil, unsupported(c.Method, "/"+c.Version+"/"+c.Node+"/"+c.Edge), true
}

// listOf pages n items by the call's limit and after cursor.
func (s *Sandbox) listOf(c *call, n int, item func(int) any) (any, *apiError) {
	lim, e := limit(c.P, 25, 100)
	if e != nil {
		return nil, e
	}
	from, e := offset(c.P.str("after"))
	if e != nil {
		return nil, e
	}
	data := []any{}
	for i := from; i < n && i < from+lim; i++ {
		data = append(data, item(i))
	}
	return map[string]any{"data": data, "paging": paging(c, from, len(data), n, lim)}, nil
}

// wants reports whether the call's fields ask for name (no fields: Meta's defaults).
func wants(c *call, name string, byDefault bool) bool {
	f := c.P.str("fields")
	if f == "" {
		return byDefault
	}
	for _, part := range strings.Split(f, ",") {
		if k, _, _ := strings.Cut(strings.TrimSpace(part), "{"); strings.TrimSpace(k) == name {
			return true
		}
	}
	return false
}

// managedPageJSON is one Page of /me/accounts: with its Page token, as Meta lists them. The mutex is held.
func (s *Sandbox) managedPageJSON(c *call, id string) map[string]any {
	pg := s.page(id)
	out := map[string]any{"id": pg.ID, "name": pg.Name}
	if wants(c, "access_token", true) {
		out["access_token"] = s.PageToken(pg.ID)
	}
	if wants(c, "category", true) {
		out["category"] = "Brand"
	}
	if wants(c, "tasks", true) {
		out["tasks"] = []string{"ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"}
	}
	if wants(c, "picture", false) {
		out["picture"] = map[string]any{"data": map[string]any{"url": pagePicture(pg.ID, pg.Name),
			"height": 50, "width": 50, "is_silhouette": false}}
	}
	return out
}

// adAccountJSON is one ad account of /me/adaccounts. The mutex is held.
func (s *Sandbox) adAccountJSON(c *call, id string) map[string]any {
	a := s.account(id)
	out := map[string]any{"id": a.ID, "account_id": strings.TrimPrefix(a.ID, "act_")}
	if wants(c, "name", false) {
		out["name"] = a.Name
	}
	if wants(c, "currency", false) {
		out["currency"] = a.Currency
	}
	if wants(c, "timezone_name", false) {
		out["timezone_name"] = a.Timezone
	}
	return out
}

// pagePicture is a Page's picture: a small SVG with its initial on a colour of its id, as a data: URL so
// that it shows without any network.
func pagePicture(id, name string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	initial := "?"
	if r := []rune(strings.TrimSpace(name)); len(r) > 0 {
		initial = strings.ToUpper(string(r[0]))
	}
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="50" height="50"><rect width="50" height="50" fill="hsl(%d,55%%,45%%)"/>`+
		`<text x="25" y="33" font-size="24" font-family="sans-serif" text-anchor="middle" fill="#fff">%s</text></svg>`,
		h.Sum32()%360, template.HTMLEscapeString(initial))
	return "data:image/svg+xml," + url.PathEscape(svg)
}

// personFrom reads POST /_sandbox/users: Pages and ad accounts as ids or {id, name} objects (an ad account
// object may also give its currency and timezone); the objects are registered as they are read.
func (s *Sandbox) personFrom(id, name string, pages, accounts []json.RawMessage) (Person, string) {
	if !digits.MatchString(id) {
		return Person{}, "id must be a numeric user id"
	}
	p := Person{ID: id, Name: name}
	for _, raw := range pages {
		var o struct{ ID, Name string }
		if json.Unmarshal(raw, &o.ID) != nil && json.Unmarshal(raw, &o) != nil || !digits.MatchString(o.ID) {
			return Person{}, "pages[] must be numeric Page ids or {id, name}"
		}
		if o.Name != "" {
			s.RegisterPage(o.ID, o.Name, "")
		}
		p.Pages = append(p.Pages, o.ID)
	}
	for _, raw := range accounts {
		var o struct{ ID, Name, Currency, Timezone string }
		if json.Unmarshal(raw, &o.ID) != nil && json.Unmarshal(raw, &o) != nil || !strings.HasPrefix(o.ID, "act_") {
			return Person{}, "ad_accounts[] must be act_… ids or {id, name, currency, timezone}"
		}
		if o.Currency != "" {
			s.RegisterAccount(Account{ID: o.ID, Name: o.Name, Currency: o.Currency, Timezone: o.Timezone})
		}
		p.AdAccounts = append(p.AdAccounts, o.ID)
	}
	return p, ""
}
