package sandbox

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// webhookFields are the Page subscription fields of the Messenger Platform the sandbox accepts.
var webhookFields = []string{"messages", "messaging_postbacks", "messaging_optins", "messaging_referrals",
	"message_deliveries", "message_reads", "message_echoes", "messaging_handovers", "standby",
	"messaging_policy_enforcement", "messaging_account_linking", "message_reactions", "messaging_feedback"}

func (s *Sandbox) routesPages() []route {
	return []route{
		{method: http.MethodGet, kind: kindPage, fn: s.getPage},
		{method: http.MethodPost, kind: kindPage, edge: "subscribed_apps", fn: s.subscribeApp},
		{method: http.MethodGet, kind: kindPage, edge: "subscribed_apps", fn: s.subscribedApps},
		{method: http.MethodDelete, kind: kindPage, edge: "subscribed_apps", fn: s.unsubscribeApp},
		{method: http.MethodGet, kind: kindPage, edge: "conversations", fn: s.conversations},
		{method: http.MethodGet, kind: kindConversation, fn: s.conversation},
		{method: http.MethodGet, kind: kindConversation, edge: "messages", fn: s.conversationMessages},
	}
}

// pageOf resolves "me" to the Page of a Page token the sandbox issued or registered; any other token is
// refused as Meta refuses a token it cannot parse (the sandbox knows no users).
func (s *Sandbox) pageOf(c *call) (*Page, *apiError) {
	id := c.Node
	if id == "me" {
		if id = s.tokenPage(c.Token); id == "" {
			return nil, notAPageToken()
		}
	}
	return s.page(id), nil
}

// getPage is GET /{page}: id and name.
func (s *Sandbox) getPage(c *call) (any, *apiError) {
	p, e := s.pageOf(c)
	if e != nil {
		return nil, e
	}
	return map[string]any{"id": p.ID, "name": p.Name}, nil
}

// subscribeApp is POST /{page}/subscribed_apps {subscribed_fields}, with the Page's own token only.
func (s *Sandbox) subscribeApp(c *call) (any, *apiError) {
	p, e := s.ownPage(c)
	if e != nil {
		return nil, e
	}
	fields := c.P.list("subscribed_fields")
	if len(fields) == 0 {
		return nil, required("subscribed_fields")
	}
	for _, f := range fields {
		if !slices.Contains(webhookFields, f) {
			return nil, invalidParam("Param subscribed_fields[%s] must be one of {%s}", f, strings.Join(webhookFields, ", "))
		}
	}
	p.SubscribedFields = slices.Compact(slices.Sorted(slices.Values(fields)))
	return map[string]bool{"success": true}, nil
}

// subscribedApps is GET /{page}/subscribed_apps: relance's app when subscribed.
func (s *Sandbox) subscribedApps(c *call) (any, *apiError) {
	p, e := s.ownPage(c)
	if e != nil {
		return nil, e
	}
	data := []any{}
	if p.SubscribedFields != nil {
		data = append(data, map[string]any{"id": s.o.AppID, "name": "relance", "subscribed_fields": p.SubscribedFields})
	}
	return map[string]any{"data": data}, nil
}

// unsubscribeApp is DELETE /{page}/subscribed_apps.
func (s *Sandbox) unsubscribeApp(c *call) (any, *apiError) {
	p, e := s.ownPage(c)
	if e != nil {
		return nil, e
	}
	p.SubscribedFields = nil
	return map[string]bool{"success": true}, nil
}

// threadTime is the time format of Graph objects: 2026-03-02T10:04:05+0000.
func threadTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-0700") }

// cursor encodes an offset as an opaque Graph cursor.
func cursor(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(n)))
}

// offset decodes a cursor ("" is the start).
func offset(c string) (int, *apiError) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
	if err != nil || err2 != nil || !strings.HasPrefix(string(b), "o:") || n < 0 {
		return 0, invalidParam("Param after is not a valid cursor")
	}
	return n, nil
}

// limit reads the limit parameter (default def, at most max).
func limit(p params, def, max int) (int, *apiError) {
	n, ok, e := p.int64("limit")
	switch {
	case e != nil:
		return 0, e
	case !ok:
		return def, nil
	case n < 1 || n > int64(max):
		return 0, invalidParam("Param limit must be between 1 and %d", max)
	}
	return int(n), nil
}

// paging is Graph's paging block for a page that starts at from and holds n items out of total; next
// repeats the call's whole query with the new cursor and the limit in force.
func paging(c *call, from, n, total, limit int) map[string]any {
	return pagingAt(from, n, total, func(after string) string {
		return c.link(c.Node+"/"+c.Edge, c.Query, after, limit)
	})
}

// pagingAt is a paging block whose next link is built by next from the after cursor.
func pagingAt(from, n, total int, next func(after string) string) map[string]any {
	cur := map[string]any{"before": cursor(from), "after": cursor(from + n)}
	out := map[string]any{"cursors": cur}
	if from+n < total {
		out["next"] = next(cursor(from + n))
	}
	return out
}

// link is an absolute URL on the server that answered c, as Meta's paging links are (reference §3): the
// version, the path, and the query q with the after cursor and the limit set (and no before cursor).
func (c *call) link(path string, q url.Values, after string, limit int) string {
	out := url.Values{}
	for k, v := range q {
		out[k] = v
	}
	out.Del("before")
	out.Set("after", after)
	out.Set("limit", strconv.Itoa(limit))
	return c.Base + "/" + c.Version + "/" + strings.TrimSuffix(path, "/") + "?" + out.Encode()
}

// nestedLimit reads field.limit(n) from a Graph fields parameter: def when absent, at most 100.
func nestedLimit(spec, field string, def int) int {
	_, rest, ok := strings.Cut(spec, field+".limit(")
	if !ok {
		return def
	}
	num, _, _ := strings.Cut(rest, ")")
	if n, err := strconv.Atoi(strings.TrimSpace(num)); err == nil && n > 0 {
		return min(n, 100)
	}
	return def
}

// nestedFields is the selection of one field in a Graph fields parameter: "id,from" for
// "participants,messages.limit(100){id,from}" and "messages"; "" when it has none.
func nestedFields(spec, field string) string {
	depth, start := 0, -1
	for i, r := range spec {
		switch r {
		case '{':
			if depth == 0 {
				start = i + 1
			}
			depth++
		case '}':
			depth--
			if depth == 0 && start >= 0 {
				name := spec[:start-1]
				if j := strings.LastIndex(name, ","); j >= 0 {
					name = name[j+1:]
				}
				if k := strings.IndexAny(name, ".("); k >= 0 {
					name = name[:k]
				}
				if strings.TrimSpace(name) == field {
					return spec[start:i]
				}
				start = -1
			}
		}
	}
	return ""
}

// conversations is GET /{page}/conversations?platform=messenger: threads newest first, each with its
// participants and its latest messages (the Conversations API relance backfills history from).
func (s *Sandbox) conversations(c *call) (any, *apiError) {
	p, e := s.pageOf(c)
	if e != nil {
		return nil, e
	}
	if pl := c.P.str("platform"); pl != "" && pl != "messenger" && pl != "instagram" {
		return nil, oneOf("platform", pl, "messenger", "instagram")
	}
	n, e := limit(c.P, 25, 100)
	if e != nil {
		return nil, e
	}
	from, e := offset(c.P.str("after"))
	if e != nil {
		return nil, e
	}
	var ts []*Thread
	for _, t := range s.st.threads {
		if t.PageID == p.ID && len(t.Messages) > 0 {
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, func(a, b *Thread) int {
		if c := b.updated().Compare(a.updated()); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	data := []any{}
	for i := from; i < len(ts) && i < from+n; i++ {
		data = append(data, s.conversationJSON(c, ts[i], p))
	}
	return map[string]any{"data": data, "paging": paging(c, from, len(data), len(ts), n)}, nil
}

// updated is the time of a thread's last message.
func (t *Thread) updated() time.Time {
	if len(t.Messages) == 0 {
		return t.LastUserAt
	}
	return t.Messages[len(t.Messages)-1].At
}

// conversationJSON shapes one thread with up to 100 of its latest messages.
func (s *Sandbox) conversationJSON(c *call, t *Thread, p *Page) map[string]any {
	// The nested messages page links to the thread's own messages edge, with the nested selection as its
	// fields, as Graph links nested connections.
	nested := nestedLimit(c.P.str("fields"), "messages", 100)
	q := url.Values{}
	if f := nestedFields(c.P.str("fields"), "messages"); f != "" {
		q.Set("fields", f)
	}
	msgs, pg := s.messagesJSON(t, p, 0, nested, func(after string) string {
		return c.link(t.ID+"/messages", q, after, nested)
	})
	return map[string]any{
		"id": t.ID, "updated_time": threadTime(t.updated()),
		"participants": map[string]any{"data": []any{
			map[string]any{"id": t.PSID, "name": t.Name},
			map[string]any{"id": p.ID, "name": p.Name},
		}},
		"messages": map[string]any{"data": msgs, "paging": pg},
	}
}

// messagesJSON lists a thread's messages newest first, from an offset; next builds the next page's link.
func (s *Sandbox) messagesJSON(t *Thread, p *Page, from, n int, next func(after string) string) ([]any, map[string]any) {
	person := map[string]any{"id": t.PSID, "name": t.Name}
	page := map[string]any{"id": p.ID, "name": p.Name}
	out := []any{}
	total := len(t.Messages)
	for i := from; i < total && i < from+n; i++ {
		m := t.Messages[total-1-i]
		fromP, toP := person, page
		if m.FromPage {
			fromP, toP = page, person
		}
		out = append(out, map[string]any{"id": m.ID, "created_time": threadTime(m.At), "from": fromP,
			"to": map[string]any{"data": []any{toP}}, "message": m.Text})
	}
	return out, pagingAt(from, len(out), total, next)
}

// conversation is GET /{conversation-id}.
func (s *Sandbox) conversation(c *call) (any, *apiError) {
	t := s.st.threadIDs[c.Node]
	if t == nil {
		return nil, notFound(c.Node)
	}
	return s.conversationJSON(c, t, s.page(t.PageID)), nil
}

// conversationMessages is GET /{conversation-id}/messages, paginated.
func (s *Sandbox) conversationMessages(c *call) (any, *apiError) {
	t := s.st.threadIDs[c.Node]
	if t == nil {
		return nil, notFound(c.Node)
	}
	n, e := limit(c.P, 25, 100)
	if e != nil {
		return nil, e
	}
	from, e := offset(c.P.str("after"))
	if e != nil {
		return nil, e
	}
	data, pg := s.messagesJSON(t, s.page(t.PageID), from, n, func(after string) string {
		return c.link(c.Node+"/"+c.Edge, c.Query, after, n)
	})
	return map[string]any{"data": data, "paging": pg}, nil
}
