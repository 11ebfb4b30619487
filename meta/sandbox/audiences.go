package sandbox

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Custom audiences (reference §4). Differences from Meta, on purpose:
//
//   - Uploads apply at once (Meta applies them within 24 hours), so tests can check membership right away.
//   - Audiences whose name or description contains "health" are flagged on creation, as Meta flags health
//     and financial hints since 2025-09; FlagAudience flags any audience. A flagged audience reports
//     operation_status 471 and refuses uploads with 100/1713230.
//   - Only single-key schemas are accepted: PAGEUID with exactly one Page id (relance uploads each Page's
//     PSIDs in their own calls, since PSIDs only match on their Page), or EMAIL_SHA256 / PHONE_SHA256 rows of
//     64 lowercase hex digits. Rows that do not fit are counted in num_invalid_entries and not applied.
//   - Sessions are kept per audience and per direction (add, remove): a batch_seq already received in a
//     session is answered again as it was and not applied twice; a new batch after last_batch_flag is refused.
//   - A deleted audience stays as an empty tombstone, so its id answers 100/33 (not a Page read).
//   - Approximate counts: 0–0 for an empty audience, 0–1,000 below 1,000 members, otherwise the member count
//     floored to two significant digits and that plus one step (12,345 → 12,000–13,000).

// maxUsersPerCall is Meta's limit of rows per POST or DELETE /{audience_id}/users.
const maxUsersPerCall = 10000

// flaggedStatus is the operation_status code of a flagged audience.
const flaggedStatus = 471

func (s *Sandbox) routesAudiences() []route {
	return []route{
		{http.MethodPost, kindAccount, "customaudiences", s.createAudience},
		{http.MethodGet, kindAccount, "customaudiences", s.listAccountObjects("customaudiences")},
		{http.MethodGet, kindAudience, "", s.readAudience},
		{http.MethodDelete, kindAudience, "", s.deleteAudience},
		{http.MethodPost, kindAudience, "users", s.addUsers},
		{http.MethodDelete, kindAudience, "users", s.removeUsers},
		// A numeric id the sandbox does not know reads as a Page; uploads to it are to a missing audience.
		{http.MethodPost, kindPage, "users", s.noAudience},
		{http.MethodDelete, kindPage, "users", s.noAudience},
	}
}

func (s *Sandbox) noAudience(c *call) (any, *apiError) { return nil, notFound(c.Node) }

// createAudience is POST /act_{id}/customaudiences.
func (s *Sandbox) createAudience(c *call) (any, *apiError) {
	name := c.P.str("name")
	if name == "" {
		return nil, required("name")
	}
	subtype := c.P.str("subtype")
	if subtype == "" {
		subtype = "CUSTOM"
	}
	if e := oneOf("subtype", subtype, "CUSTOM"); e != nil {
		return nil, e
	}
	src := c.P.str("customer_file_source")
	if src == "" {
		return nil, required("customer_file_source")
	}
	if e := oneOf("customer_file_source", src, "USER_PROVIDED_ONLY", "PARTNER_PROVIDED_ONLY",
		"BOTH_USER_AND_PARTNER_PROVIDED"); e != nil {
		return nil, e
	}
	acct := s.account(c.Node)
	desc := c.P.str("description")
	a := &Audience{ID: s.newID("audience"), AccountID: acct.ID, Name: name, Description: desc, Subtype: subtype,
		FileSource: src, Members: map[Member]bool{}, Sessions: map[string]*UploadSession{}, Created: s.sim,
		Flagged: strings.Contains(strings.ToLower(name+" "+desc), "health")}
	s.st.audiences[a.ID] = a
	return map[string]string{"id": a.ID}, nil
}

// liveAudience is the audience a call names, or Meta's "does not exist" for a deleted one.
func (s *Sandbox) liveAudience(c *call) (*Audience, *apiError) {
	a := s.st.audiences[c.Node]
	if a == nil || a.Deleted {
		return nil, notFound(c.Node)
	}
	return a, nil
}

// readAudience is GET /{audience_id}.
func (s *Sandbox) readAudience(c *call) (any, *apiError) {
	a, e := s.liveAudience(c)
	if e != nil {
		return nil, e
	}
	return s.audienceView(a), nil
}

// audienceView is what reads and listings answer about an audience.
func (s *Sandbox) audienceView(a *Audience) map[string]any {
	lower, upper := approxCount(len(a.Members))
	op := map[string]any{"code": 200, "description": "Normal"}
	deliv := map[string]any{"code": 200, "description": "This audience is ready for use."}
	switch {
	case a.Flagged:
		op = map[string]any{"code": flaggedStatus, "description": "This audience was flagged: it may suggest health or financial information and can no longer be updated."}
		deliv = map[string]any{"code": 400, "description": "This audience cannot be used."}
	case len(a.Members) < 100:
		// About 100 matched people is the practical floor for delivery (reference §4).
		deliv = map[string]any{"code": 300, "description": "This audience is too small to deliver."}
	}
	return map[string]any{"id": a.ID, "account_id": strings.TrimPrefix(a.AccountID, "act_"), "name": a.Name,
		"description": a.Description, "subtype": a.Subtype, "customer_file_source": a.FileSource,
		"approximate_count_lower_bound": lower, "approximate_count_upper_bound": upper,
		"operation_status": op, "delivery_status": deliv, "time_created": a.Created.Unix()}
}

// approxCount is the documented rounding of audience sizes (see the top of this file).
func approxCount(n int) (lower, upper int64) {
	switch {
	case n == 0:
		return 0, 0
	case n < 1000:
		return 0, 1000
	}
	step := int64(1)
	for v := int64(n); v >= 100; v /= 10 {
		step *= 10
	}
	lower = int64(n) / step * step
	return lower, lower + step
}

// deleteAudience is DELETE /{audience_id}: the audience becomes an empty tombstone.
func (s *Sandbox) deleteAudience(c *call) (any, *apiError) {
	a, e := s.liveAudience(c)
	if e != nil {
		return nil, e
	}
	a.Deleted = true
	a.Members = map[Member]bool{}
	a.Sessions = map[string]*UploadSession{}
	return map[string]bool{"success": true}, nil
}

func (s *Sandbox) addUsers(c *call) (any, *apiError)    { return s.upload(c, true) }
func (s *Sandbox) removeUsers(c *call) (any, *apiError) { return s.upload(c, false) }

// uploadPayload is the payload of /{audience_id}/users.
type uploadPayload struct {
	Schema  json.RawMessage `json:"schema"` // a string or an array of strings
	IsRaw   bool            `json:"is_raw"`
	PageIDs []string        `json:"page_ids"`
	Data    json.RawMessage `json:"data"` // rows ([["a"],["b"]]) or, for one key, a flat list (["a","b"])
}

// upload is POST (add) or DELETE (remove) /{audience_id}/users.
func (s *Sandbox) upload(c *call, add bool) (any, *apiError) {
	a, e := s.liveAudience(c)
	if e != nil {
		return nil, e
	}
	if a.Flagged {
		return nil, &apiError{Status: http.StatusBadRequest, Code: 100, Subcode: 1713230, Type: "OAuthException",
			Message:   "(#100) This audience can't be updated because it may include information that suggests health or financial details.",
			UserTitle: "Audience can't be updated", UserMsg: "This custom audience was flagged and can no longer receive uploads."}
	}
	if !c.P.has("payload") {
		return nil, required("payload")
	}
	var p uploadPayload
	if e = c.P.decode("payload", &p); e != nil {
		return nil, e
	}
	schema, e := readUploadSchema(p.Schema)
	if e != nil {
		return nil, e
	}
	rows, e := readUploadRows(p.Data)
	if e != nil {
		return nil, e
	}
	pageID := ""
	if schema == "PAGEUID" {
		switch len(p.PageIDs) {
		case 0:
			return nil, invalidParam("page_ids is required with the PAGEUID schema: PSIDs only match on the Page that issued them")
		case 1:
			pageID = p.PageIDs[0]
		default:
			return nil, invalidParam("the sandbox takes one Page id per PAGEUID upload; send each Page's PSIDs in their own calls")
		}
	}
	if len(rows) == 0 {
		return nil, invalidParam("Param payload[data] must be a non-empty array")
	}
	if len(rows) > maxUsersPerCall {
		return nil, invalidParam("Too many users in one request: %d rows, the limit is %d per call. Split the upload into batches of a session.", len(rows), maxUsersPerCall)
	}
	sess, e := readUploadSession(c.P)
	if e != nil {
		return nil, e
	}
	answer := func(received, invalid int, samples map[string]string, sid string) map[string]any {
		return map[string]any{"audience_id": a.ID, "session_id": sid, "num_received": received,
			"num_invalid_entries": invalid, "invalid_entry_samples": samples}
	}
	var us *UploadSession
	if sess != nil {
		key := map[bool]string{true: "add:", false: "remove:"}[add] + sess.id
		us = a.Sessions[key]
		if us == nil {
			us = &UploadSession{ID: sess.id, Batches: map[int]int{}}
			a.Sessions[key] = us
		}
		if n, seen := us.Batches[sess.seq]; seen {
			// A retry of a batch Meta already has: same answer, nothing applied twice.
			return answer(n, 0, map[string]string{}, sess.id), nil
		}
		if us.Finished {
			return nil, invalidParam("Upload session %s already received its last batch", sess.id)
		}
	}
	invalid, samples := 0, map[string]string{}
	for _, r := range rows {
		m, why := audienceMember(schema, pageID, r)
		if why != "" {
			invalid++
			if len(samples) < 5 {
				samples[r] = why
			}
			continue
		}
		if add {
			a.Members[m] = true
		} else {
			delete(a.Members, m)
		}
	}
	sid := ""
	if us != nil {
		us.Batches[sess.seq] = len(rows)
		us.Finished = us.Finished || sess.last
		if sess.estimated > 0 {
			us.Estimated = sess.estimated
		}
		sid = sess.id
	}
	return answer(len(rows), invalid, samples, sid), nil
}

// readUploadSchema accepts "PAGEUID" or ["PAGEUID"] and the single-key hashed schemas.
func readUploadSchema(raw json.RawMessage) (string, *apiError) {
	if len(raw) == 0 {
		return "", required("payload[schema]")
	}
	var keys []string
	var one string
	if json.Unmarshal(raw, &one) == nil {
		keys = []string{one}
	} else if json.Unmarshal(raw, &keys) != nil {
		return "", invalidParam("Param payload[schema] must be a string or an array of strings")
	}
	if len(keys) != 1 {
		return "", invalidParam("the sandbox supports single-key schemas only (PAGEUID, EMAIL_SHA256, PHONE_SHA256), got %d keys", len(keys))
	}
	if e := oneOf("payload[schema]", keys[0], "PAGEUID", "EMAIL_SHA256", "PHONE_SHA256"); e != nil {
		return "", e
	}
	return keys[0], nil
}

// readUploadRows accepts rows of exactly one column, or a flat list of values.
func readUploadRows(raw json.RawMessage) ([]string, *apiError) {
	if len(raw) == 0 {
		return nil, required("payload[data]")
	}
	var flat []string
	if json.Unmarshal(raw, &flat) == nil {
		return flat, nil
	}
	var rows [][]json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, invalidParam("Param payload[data] must be an array of rows")
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		if len(r) != 1 {
			return nil, invalidParam("Row %d of payload[data] has %d columns; the schema has 1", i, len(r))
		}
		var v string
		if json.Unmarshal(r[0], &v) != nil {
			// PSIDs sent as JSON numbers lose digits beyond 2^53: refuse them rather than match someone else.
			return nil, invalidParam("Row %d of payload[data] must hold a string", i)
		}
		out[i] = v
	}
	return out, nil
}

// audienceMember turns one row into a Member, or says why the row is invalid. Hashed rows are kept with an empty
// Page id and the schema before the hash ("EMAIL_SHA256:…"), since they are not Page-scoped.
func audienceMember(schema, pageID, row string) (Member, string) {
	if schema == "PAGEUID" {
		if !digits.MatchString(row) {
			return Member{}, "not a page-scoped id"
		}
		return Member{PageID: pageID, PSID: row}, ""
	}
	if len(row) != 64 || strings.Trim(row, "0123456789abcdef") != "" {
		return Member{}, "not a lowercase hex SHA-256 hash"
	}
	return Member{PSID: schema + ":" + row}, ""
}

// uploadSessionParams is the session object of an upload.
type uploadSessionParams struct {
	id        string
	seq       int
	last      bool
	estimated int64
}

// readUploadSession reads the optional session object; nil when the call is a single-call upload.
func readUploadSession(p params) (*uploadSessionParams, *apiError) {
	if !p.has("session") {
		return nil, nil
	}
	var raw map[string]json.RawMessage
	if e := p.decode("session", &raw); e != nil {
		return nil, e
	}
	sp := params(raw)
	id := sp.str("session_id")
	if id == "" {
		return nil, required("session[session_id]")
	}
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return nil, invalidParam("Param session[session_id] must be a 64-bit integer")
	}
	seq, ok, e := sp.int64("batch_seq")
	if e != nil {
		return nil, e
	}
	if !ok || seq < 1 {
		return nil, invalidParam("Param session[batch_seq] must be an integer from 1")
	}
	est, _, e := sp.int64("estimated_num_total")
	if e != nil {
		return nil, e
	}
	last := false
	if sp.has("last_batch_flag") {
		switch sp.str("last_batch_flag") {
		case "true", "1":
			last = true
		case "false", "0", "":
		default:
			return nil, invalidParam("Param session[last_batch_flag] must be a boolean")
		}
	}
	return &uploadSessionParams{id: id, seq: int(seq), last: last, estimated: est}, nil
}

// FlagAudience flags an audience as Meta flags those suggesting health or financial information (a test
// hook): it then reports operation_status 471 and refuses uploads. It reports whether the audience exists.
func (s *Sandbox) FlagAudience(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.audiences[id]
	if a != nil && !a.Deleted {
		a.Flagged = true
	}
	return a != nil && !a.Deleted
}

// AudienceMembers returns an audience's members sorted by Page and PSID (nil for an unknown audience); hashed
// email and phone rows come first, with an empty Page id and "EMAIL_SHA256:<hash>" as PSID.
func (s *Sandbox) AudienceMembers(id string) []Member {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.audiences[id]
	if a == nil {
		return nil
	}
	out := make([]Member, 0, len(a.Members))
	for m := range a.Members {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].PageID != out[j].PageID {
			return out[i].PageID < out[j].PageID
		}
		return out[i].PSID < out[j].PSID
	})
	return out
}
