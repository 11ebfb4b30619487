package web

import (
	"encoding/json"
	"slices"

	"relance/audiences"
	"relance/policy"
	"relance/tenancy"
)

// ruleField is how the builder and the summary name a rule field.
type ruleField struct {
	// Title names the field in the builder's select; Phrase starts its sentence in a rule summary.
	Title, Phrase string
}

// ruleFields names the fields of DESIGN §5. A field missing here still works: it shows under its JSON name.
var ruleFields = map[string]ruleField{
	"last_inbound_at": {"Last inbound message", "last inbound"},
	"first_seen_at":   {"First seen", "first seen"},
	"inbound_count":   {"Inbound messages", "inbound messages"},
	"source":          {"Referral source", "source"},
	"ad_id":           {"Ad ID", "ad"},
	"ref":             {"Ref (m.me link)", "ref"},
	"entity":          {"Mentioned", "mentioned"},
	"text":            {"Message text", "text"},
	"payload":         {"Payload (quick reply, postback)", "payload"},
	"talked_to_human": {"Talked to a human", "talked to a human"},
	"reachability":    {"Reachability", "reachability"},
	"page":            {"Page", "Page"},
	"audience":        {"Audience", "member of"},
}

// opTitles names the ops in the builder's select.
var opTitles = map[string]string{
	"within_days": "in the last … days", "older_than_days": "more than … days ago", "between": "between dates",
	"gte": "at least", "lte": "at most", "eq": "is", "in": "is one of", "prefix": "starts with",
	"mentioned": "mentioned", "contains": "contains", "is": "is", "member_of": "is a member of",
}

// valueInput says which input the builder shows for a field and op (audiences.Parse checks the value).
func valueInput(field, op string) string {
	switch {
	case op == "within_days" || op == "older_than_days":
		return "days"
	case op == "between":
		return "range"
	case field == "inbound_count":
		return "count"
	case field == "talked_to_human":
		return "bool"
	case field == "entity":
		return "entity"
	case field == "reachability" || field == "page":
		if op == "in" {
			return field + "_list"
		}
		return field
	case field == "audience":
		return "audience"
	case op == "in":
		return "list"
	}
	return "text"
}

// referralSources are the sources Meta sends in referrals; the builder suggests them, any other is accepted.
var referralSources = []string{"ADS", "SHORTLINK", "MESSENGER_CODE", "DISCOVER_TAB", "CUSTOMER_CHAT_PLUGIN"}

// builderMeta is what the rule builder's script needs to draw inputs: fields and ops, the values it offers
// in selects, and where to ask for a preview. It travels as JSON in a data attribute.
type builderMeta struct {
	Fields     []builderField `json:"fields"`
	Entities   []string       `json:"entities"`
	Classes    []string       `json:"classes"`
	Sources    []string       `json:"sources"`
	Pages      []builderPick  `json:"pages"`
	Audiences  []builderPick  `json:"audiences"`
	Timezone   string         `json:"timezone"`
	PreviewURL string         `json:"preview_url"`
	ThreadURL  string         `json:"thread_url"`
}

type builderField struct {
	Name  string      `json:"name"`
	Title string      `json:"title"`
	Ops   []builderOp `json:"ops"`
}

type builderOp struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Input string `json:"input"`
}

type builderPick struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// newBuilderMeta lists the fields in the order people think of them, then any the table does not name;
// without message texts (noText) there is no text field to pick: the store would refuse it.
func newBuilderMeta(b tenancy.Brand, pages []tenancy.Page, others []audiences.Audience, noText bool) builderMeta {
	m := builderMeta{Entities: audiences.Entities, Classes: policy.Classes, Sources: referralSources, Timezone: b.Timezone,
		PreviewURL: "/api/v1/brands/" + b.ID + "/audiences/preview", ThreadURL: "/brands/" + b.ID + "/conversations/",
		Pages: []builderPick{}, Audiences: []builderPick{}}
	order := []string{"last_inbound_at", "first_seen_at", "inbound_count", "source", "ad_id", "ref", "entity", "text",
		"payload", "talked_to_human", "reachability", "page", "audience"}
	seen := map[string]bool{}
	for _, f := range append(order, audiences.Fields()...) {
		if seen[f] || len(audiences.Ops(f)) == 0 || (noText && f == "text") {
			continue
		}
		seen[f] = true
		bf := builderField{Name: f, Title: ruleFields[f].Title}
		if bf.Title == "" {
			bf.Title = f
		}
		for _, op := range orderOps(audiences.Ops(f)) {
			t := opTitles[op]
			if f == "inbound_count" && op == "eq" {
				t = "exactly"
			}
			bf.Ops = append(bf.Ops, builderOp{Name: op, Title: t, Input: valueInput(f, op)})
		}
		m.Fields = append(m.Fields, bf)
	}
	for _, p := range pages {
		m.Pages = append(m.Pages, builderPick{ID: p.PageID, Name: p.Name})
	}
	for _, a := range others {
		m.Audiences = append(m.Audiences, builderPick{ID: a.ID, Name: a.Name})
	}
	return m
}

// opOrder puts a field's ops in the order the builder offers them; its first op is the default.
var opOrder = []string{"within_days", "older_than_days", "between", "gte", "lte", "eq", "in", "prefix", "mentioned",
	"contains", "is", "member_of"}

// orderOps sorts ops by opOrder, unknown ones last (in the order given).
func orderOps(ops []string) []string {
	out := make([]string, 0, len(ops))
	for _, op := range opOrder {
		if slices.Contains(ops, op) {
			out = append(out, op)
		}
	}
	for _, op := range ops {
		if !slices.Contains(opOrder, op) {
			out = append(out, op)
		}
	}
	return out
}

// jsonAttr renders v as JSON for a data attribute (html/template escapes it for the attribute).
func jsonAttr(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}
