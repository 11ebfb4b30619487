package sandbox

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

// adEffectiveStatuses are the values of effective_status an ads listing may filter on.
var adEffectiveStatuses = []string{"ACTIVE", "PAUSED", "DELETED", "PENDING_REVIEW", "DISAPPROVED", "PREAPPROVED",
	"PENDING_BILLING_INFO", "CAMPAIGN_PAUSED", "ARCHIVED", "ADSET_PAUSED", "IN_PROCESS", "WITH_ISSUES"}

// readAdObject serves GET /{id}?fields=… for campaigns, ad sets, ads and creatives: like Graph, it answers
// the id plus the fields asked for, and refuses fields the node type does not have.
func (s *Sandbox) readAdObject(c *call) (any, *apiError) {
	view, typ := s.adObjectView(c.Node)
	return selectFields(view, typ, fieldNames(c.P.str("fields")))
}

// adObjectView is every field the sandbox knows of an object, with the Graph node type's name.
func (s *Sandbox) adObjectView(id string) (map[string]any, string) {
	if camp := s.st.campaigns[id]; camp != nil {
		return s.campaignView(camp), "Campaign"
	}
	if set := s.st.adsets[id]; set != nil {
		return s.adsetView(set), "AdSet"
	}
	if ad := s.st.ads[id]; ad != nil {
		return s.adView(ad), "Ad"
	}
	if cr := s.st.creatives[id]; cr != nil {
		v := map[string]any{"id": cr.ID, "account_id": strings.TrimPrefix(cr.AccountID, "act_"), "name": cr.Name,
			"object_story_spec": cr.Spec, "url_tags": cr.URLTags, "call_to_action_type": cr.CallToAction,
			"status": "ACTIVE", "page_welcome_message": nil}
		if cr.WelcomeMessage != "" {
			// Accepted as JSON text, read back as the same text.
			v["page_welcome_message"] = cr.WelcomeMessage
		}
		return v, "AdCreative"
	}
	return map[string]any{"id": id}, "Node"
}

// campaignView is every field of a campaign.
func (s *Sandbox) campaignView(c *Campaign) map[string]any {
	cats := c.SpecialAdCategories
	if cats == nil {
		cats = []string{}
	}
	return map[string]any{"id": c.ID, "account_id": strings.TrimPrefix(c.AccountID, "act_"), "name": c.Name,
		"objective": c.Objective, "buying_type": c.BuyingType, "status": c.Status, "configured_status": c.Status,
		"effective_status": c.Status, "special_ad_categories": cats, "created_time": graphTime(c.Created)}
}

// adsetEffective is an ad set's effective_status: its own status unless its campaign stops it.
func (s *Sandbox) adsetEffective(set *AdSet) string {
	camp := s.st.campaigns[set.CampaignID]
	switch {
	case set.Status == "DELETED" || set.Status == "ARCHIVED":
		return set.Status
	case camp == nil:
		return "WITH_ISSUES"
	case camp.Status == "DELETED" || camp.Status == "ARCHIVED":
		return camp.Status
	case camp.Status == "PAUSED":
		return "CAMPAIGN_PAUSED"
	}
	return set.Status
}

// adsetView is every field of an ad set.
func (s *Sandbox) adsetView(set *AdSet) map[string]any {
	v := map[string]any{"id": set.ID, "account_id": strings.TrimPrefix(set.AccountID, "act_"),
		"campaign_id": set.CampaignID, "name": set.Name, "status": set.Status, "configured_status": set.Status,
		"effective_status": s.adsetEffective(set),
		// Graph answers budgets as text and "0" for the budget kind not in use.
		"daily_budget": strconv.FormatInt(set.DailyBudget, 10), "lifetime_budget": strconv.FormatInt(set.LifetimeBudget, 10),
		"start_time": graphTime(set.StartTime), "destination_type": set.DestinationType,
		"optimization_goal": set.OptimizationGoal, "billing_event": set.BillingEvent, "targeting": set.Targeting,
		"created_time": graphTime(set.Created),
		// Known fields without a value are left out of answers (nil here) rather than refused.
		"end_time": nil, "promoted_object": nil, "pacing_type": nil, "adset_schedule": nil}
	if !set.EndTime.IsZero() {
		v["end_time"] = graphTime(set.EndTime)
	}
	if set.PromotedPageID != "" {
		v["promoted_object"] = map[string]string{"page_id": set.PromotedPageID}
	}
	if len(set.PacingType) > 0 {
		v["pacing_type"] = set.PacingType
	}
	if len(set.Schedule) > 0 {
		v["adset_schedule"] = set.Schedule
	}
	return v
}

// adView is every field of an ad, with its effective_status at the simulated time.
func (s *Sandbox) adView(ad *Ad) map[string]any {
	v := map[string]any{"id": ad.ID, "account_id": strings.TrimPrefix(ad.AccountID, "act_"), "adset_id": ad.AdSetID,
		"name": ad.Name, "status": ad.Status, "configured_status": ad.Status,
		"effective_status": s.effectiveStatus(ad, s.sim), "creative": map[string]string{"id": ad.CreativeID},
		"created_time": graphTime(ad.Created), "campaign_id": nil, "ad_review_feedback": nil, "issues_info": nil}
	if set := s.st.adsets[ad.AdSetID]; set != nil {
		v["campaign_id"] = set.CampaignID
	}
	switch ad.Review {
	case "DISAPPROVED":
		reason := ad.ReviewReason
		if reason == "" {
			reason = "The ad text asked to be disapproved (sandbox test hook)."
		}
		v["ad_review_feedback"] = map[string]any{"global": map[string]string{"Sandbox review": reason}}
	case "WITH_ISSUES":
		v["issues_info"] = []map[string]any{{"level": "AD", "error_code": 1815869, "error_summary": "Ad delivery issue",
			"error_message": ad.ReviewReason, "error_type": "HARD_ERROR"}}
	}
	return v
}

// fieldNames splits a Graph fields parameter at top-level commas and keeps each field's name, without
// nested selections ({…}), modifiers (.limit(…)) or arguments.
func fieldNames(spec string) []string {
	var out []string
	depth, start := 0, 0
	add := func(part string) {
		if i := strings.IndexAny(part, "{(."); i >= 0 {
			part = part[:i]
		}
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	for i, r := range spec {
		switch r {
		case '{', '(':
			depth++
		case '}', ')':
			depth--
		case ',':
			if depth == 0 {
				add(spec[start:i])
				start = i + 1
			}
		}
	}
	add(spec[start:])
	return out
}

// selectFields keeps the id and the fields asked for; fields the object has no value for (nil in view) are
// left out, as Graph leaves them out.
func selectFields(view map[string]any, typ string, fields []string) (map[string]any, *apiError) {
	out := map[string]any{"id": view["id"]}
	for _, f := range fields {
		v, ok := view[f]
		if !ok {
			return nil, invalidParam("Tried accessing nonexisting field (%s) on node type (%s)", f, typ)
		}
		if v != nil {
			out[f] = v
		}
	}
	return out, nil
}

// adObjectStatus finds the status field of a campaign, ad set or ad, and whether it exists.
func (s *Sandbox) adObjectStatus(id string) (status *string, name *string) {
	switch {
	case s.st.campaigns[id] != nil:
		o := s.st.campaigns[id]
		return &o.Status, &o.Name
	case s.st.adsets[id] != nil:
		o := s.st.adsets[id]
		return &o.Status, &o.Name
	case s.st.ads[id] != nil:
		o := s.st.ads[id]
		return &o.Status, &o.Name
	}
	return nil, nil
}

// updateAdObject serves POST /{id} on campaigns, ad sets and ads: status and name changes, and an ad set's
// budget, end time and schedule.
func (s *Sandbox) updateAdObject(c *call) (any, *apiError) {
	cur, name := s.adObjectStatus(c.Node)
	if cur == nil {
		return nil, notFound(c.Node)
	}
	status, newName := c.P.str("status"), c.P.str("name")
	set := s.st.adsets[c.Node]
	changesSet := set != nil && (c.P.has("daily_budget") || c.P.has("lifetime_budget") || c.P.has("end_time") ||
		c.P.has("adset_schedule") || c.P.has("targeting"))
	if status == "" && newName == "" && !changesSet {
		return nil, required("status")
	}
	if status != "" {
		if e := oneOf("status", status, adObjectStatuses...); e != nil {
			return nil, e
		}
		if e := statusChange(*cur, status); e != nil {
			return nil, e
		}
	}
	if changesSet {
		if e := s.updateAdSet(c, set); e != nil {
			return nil, e
		}
	}
	if status != "" {
		*cur = status
	}
	if newName != "" {
		*name = newName
	}
	return map[string]any{"success": true}, nil
}

// statusChange applies Meta's rules: deleted objects never change, archived ones can only be deleted.
func statusChange(from, to string) *apiError {
	switch {
	case from == "DELETED" && to != "DELETED":
		return invalidParam("Param status: a deleted object cannot be changed")
	case from == "ARCHIVED" && to != "ARCHIVED" && to != "DELETED":
		return invalidParam("Param status: an archived object can only be deleted")
	}
	return nil
}

// deleteAdObject serves DELETE /{id}: the object stays readable with status DELETED, as on Meta.
func (s *Sandbox) deleteAdObject(c *call) (any, *apiError) {
	cur, _ := s.adObjectStatus(c.Node)
	if cur == nil {
		return nil, notFound(c.Node)
	}
	*cur = "DELETED"
	return map[string]any{"success": true}, nil
}

// listAccountAds serves GET /act_{id}/ads: newest first, DELETED left out unless effective_status asks for
// it, paged with Graph cursors (limit default 25).
func (s *Sandbox) listAccountAds(c *call) (any, *apiError) {
	acct := s.account(c.Node)
	filter := c.P.list("effective_status")
	for _, f := range filter {
		if e := oneOf("effective_status", f, adEffectiveStatuses...); e != nil {
			return nil, e
		}
	}
	rules, e := readFiltering(c.P, "ad")
	if e != nil {
		return nil, e
	}
	var ads []*Ad
	for _, ad := range s.st.ads {
		if ad.AccountID != acct.ID || !matches(rules, ad.ID, ad.Name) {
			continue
		}
		eff := s.effectiveStatus(ad, s.sim)
		if (len(filter) > 0 && slices.Contains(filter, eff)) || (len(filter) == 0 && eff != "DELETED") {
			ads = append(ads, ad)
		}
	}
	// Ids grow with creation order, so newest first is the ids in decreasing numeric order.
	slices.SortFunc(ads, func(a, b *Ad) int {
		if len(a.ID) != len(b.ID) {
			return len(b.ID) - len(a.ID)
		}
		return strings.Compare(b.ID, a.ID)
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
		i := slices.IndexFunc(ads, func(a *Ad) bool { return a.ID == string(id) })
		if err != nil || i < 0 {
			return nil, invalidParam("Param after is not a valid cursor")
		}
		start = i + 1
	}
	end := min(start+int(limit), len(ads))
	fields := fieldNames(c.P.str("fields"))
	data := make([]map[string]any, 0, end-start)
	for _, ad := range ads[start:end] {
		row, e := selectFields(s.adView(ad), "Ad", fields)
		if e != nil {
			return nil, e
		}
		data = append(data, row)
	}
	out := map[string]any{"data": data}
	if len(data) == 0 {
		return out, nil
	}
	cursor := func(a *Ad) string { return base64.RawURLEncoding.EncodeToString([]byte(a.ID)) }
	paging := map[string]any{"cursors": map[string]string{"before": cursor(ads[start]), "after": cursor(ads[end-1])}}
	if end < len(ads) {
		paging["next"] = c.link(c.Node+"/ads", c.Query, cursor(ads[end-1]), int(limit))
	}
	out["paging"] = paging
	return out, nil
}
