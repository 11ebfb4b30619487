package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
)

// Listings of an ad account's campaigns, ad sets and creatives, with Graph's filtering parameter
// ([{"field", "operator", "value"}]) on names and ids, as tools use it to find their objects again.

// filterOperators are the operators the sandbox evaluates; Graph has more (GREATER_THAN, IN_RANGE …) for
// numeric fields the sandbox does not filter on.
var filterOperators = []string{"EQUAL", "NOT_EQUAL", "CONTAIN", "NOT_CONTAIN", "IN", "NOT_IN", "STARTS_WITH"}

// filterRule is one entry of the filtering parameter.
type filterRule struct {
	Field    string          `json:"field"`
	Operator string          `json:"operator"`
	Value    json.RawMessage `json:"value"`
}

// readFiltering reads and checks the filtering parameter for objects of a type ("campaign", "adset", "ad",
// "creative"): fields name and id, bare or prefixed with the type ("campaign.name").
func readFiltering(p params, typ string) ([]filterRule, *apiError) {
	if !p.has("filtering") {
		return nil, nil
	}
	var rules []filterRule
	if e := p.decode("filtering", &rules); e != nil {
		return nil, invalidParam("Param filtering must be an array of {field, operator, value}")
	}
	for i, r := range rules {
		f := strings.TrimPrefix(r.Field, typ+".")
		if f != "name" && f != "id" {
			return nil, invalidParam("Filtering field %s is invalid", r.Field)
		}
		if e := oneOf("filtering[operator]", r.Operator, filterOperators...); e != nil {
			return nil, e
		}
		rules[i].Field = f
	}
	return rules, nil
}

// matches applies the rules to an object's name and id (all must hold). CONTAIN ignores case, as on Graph.
func matches(rules []filterRule, id, name string) bool {
	for _, r := range rules {
		v := name
		if r.Field == "id" {
			v = id
		}
		var one string
		var many []string
		if json.Unmarshal(r.Value, &one) != nil {
			_ = json.Unmarshal(r.Value, &many)
		}
		low, want := strings.ToLower(v), strings.ToLower(one)
		ok := true
		switch r.Operator {
		case "EQUAL":
			ok = v == one
		case "NOT_EQUAL":
			ok = v != one
		case "CONTAIN":
			ok = strings.Contains(low, want)
		case "NOT_CONTAIN":
			ok = !strings.Contains(low, want)
		case "STARTS_WITH":
			ok = strings.HasPrefix(low, want)
		case "IN":
			ok = slices.Contains(many, v)
		case "NOT_IN":
			ok = !slices.Contains(many, v)
		}
		if !ok {
			return false
		}
	}
	return true
}

// listed is one object of a listing: its id, name, status and the view its fields are selected from.
type listed struct {
	id, name, status string
	view             func() map[string]any
}

// listAccountObjects serves GET /act_{id}/campaigns, /adsets, /adcreatives and /customaudiences: newest
// first, DELETED left out, filtered, paged with Graph cursors (limit default 25).
func (s *Sandbox) listAccountObjects(edge string) handler {
	return func(c *call) (any, *apiError) {
		acct := s.account(c.Node)
		var typ, node string
		var all []listed
		switch edge {
		case "campaigns":
			typ, node = "campaign", "Campaign"
			for _, o := range s.st.campaigns {
				if o.AccountID == acct.ID {
					all = append(all, listed{o.ID, o.Name, o.Status, func() map[string]any { return s.campaignView(o) }})
				}
			}
		case "adsets":
			typ, node = "adset", "AdSet"
			for _, o := range s.st.adsets {
				if o.AccountID == acct.ID {
					all = append(all, listed{o.ID, o.Name, o.Status, func() map[string]any { return s.adsetView(o) }})
				}
			}
		case "customaudiences":
			// A deleted audience is a tombstone: listed as DELETED, so left out like deleted objects.
			typ, node = "customaudience", "CustomAudience"
			for _, o := range s.st.audiences {
				if o.AccountID == acct.ID {
					status := "ACTIVE"
					if o.Deleted {
						status = "DELETED"
					}
					all = append(all, listed{o.ID, o.Name, status, func() map[string]any { return s.audienceView(o) }})
				}
			}
		default:
			typ, node = "creative", "AdCreative"
			for _, o := range s.st.creatives {
				if o.AccountID == acct.ID {
					all = append(all, listed{o.ID, o.Name, "ACTIVE", func() map[string]any { v, _ := s.adObjectView(o.ID); return v }})
				}
			}
		}
		rules, e := readFiltering(c.P, typ)
		if e != nil {
			return nil, e
		}
		var rows []listed
		for _, o := range all {
			if o.status != "DELETED" && matches(rules, o.id, o.name) {
				rows = append(rows, o)
			}
		}
		// Ids grow with creation order: newest first is decreasing numeric order.
		slices.SortFunc(rows, func(a, b listed) int {
			if len(a.id) != len(b.id) {
				return len(b.id) - len(a.id)
			}
			return strings.Compare(b.id, a.id)
		})
		limit, _, e := c.P.int64("limit")
		if e != nil {
			return nil, e
		}
		if limit <= 0 {
			limit = 25
		}
		limit = min(limit, 5000)
		start := 0
		if after := c.P.str("after"); after != "" {
			id, err := base64.RawURLEncoding.DecodeString(after)
			i := slices.IndexFunc(rows, func(o listed) bool { return o.id == string(id) })
			if err != nil || i < 0 {
				return nil, invalidParam("Param after is not a valid cursor")
			}
			start = i + 1
		}
		end := min(start+int(limit), len(rows))
		fields := fieldNames(c.P.str("fields"))
		data := make([]map[string]any, 0, end-start)
		for _, o := range rows[start:end] {
			row, e := selectFields(o.view(), node, fields)
			if e != nil {
				return nil, e
			}
			data = append(data, row)
		}
		out := map[string]any{"data": data}
		if len(data) == 0 {
			return out, nil
		}
		cursor := func(o listed) string { return base64.RawURLEncoding.EncodeToString([]byte(o.id)) }
		paging := map[string]any{"cursors": map[string]string{"before": cursor(rows[start]), "after": cursor(rows[end-1])}}
		if end < len(rows) {
			paging["next"] = c.link(c.Node+"/"+edge, c.Query, cursor(rows[end-1]), int(limit))
		}
		out["paging"] = paging
		return out, nil
	}
}
