package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Marketing API objects of Click-to-Messenger ads (reference §3): campaigns, ad sets, creatives and ads.
// Layout: this file has the routes, campaigns and shared helpers; marketing_adset.go the ad sets and
// their budget and schedule rules; marketing_creative.go creatives and ads; marketing_read.go the reads,
// status updates, deletes and the account's ads listing.

// routesMarketing lists the Marketing API routes.
func (s *Sandbox) routesMarketing() []route {
	return []route{
		{http.MethodPost, kindAccount, "campaigns", s.createCampaign},
		{http.MethodPost, kindAccount, "adsets", s.createAdSet},
		{http.MethodPost, kindAccount, "adcreatives", s.createCreative},
		{http.MethodPost, kindAccount, "ads", s.createAd},
		{http.MethodGet, kindAccount, "ads", s.listAccountAds},
		{http.MethodGet, kindAccount, "campaigns", s.listAccountObjects("campaigns")},
		{http.MethodGet, kindAccount, "adsets", s.listAccountObjects("adsets")},
		{http.MethodGet, kindAccount, "adcreatives", s.listAccountObjects("adcreatives")},
		{http.MethodGet, kindCampaign, "", s.readAdObject},
		{http.MethodGet, kindAdSet, "", s.readAdObject},
		{http.MethodGet, kindAd, "", s.readAdObject},
		{http.MethodGet, kindCreative, "", s.readAdObject},
		{http.MethodPost, kindCampaign, "", s.updateAdObject},
		{http.MethodPost, kindAdSet, "", s.updateAdObject},
		{http.MethodPost, kindAd, "", s.updateAdObject},
		{http.MethodDelete, kindCampaign, "", s.deleteAdObject},
		{http.MethodDelete, kindAdSet, "", s.deleteAdObject},
		{http.MethodDelete, kindAd, "", s.deleteAdObject},
	}
}

// Enums Meta checks on create (reference §3, Marketing API reference of each object).
var (
	campaignObjectives = []string{"OUTCOME_ENGAGEMENT", "OUTCOME_SALES", "OUTCOME_TRAFFIC", "OUTCOME_LEADS",
		"OUTCOME_AWARENESS", "OUTCOME_APP_PROMOTION", "MESSAGES"}
	buyingTypes      = []string{"AUCTION", "RESERVED"}
	specialAdCats    = []string{"NONE", "EMPLOYMENT", "HOUSING", "CREDIT", "FINANCIAL_PRODUCTS_SERVICES", "ISSUES_ELECTIONS_POLITICS", "ONLINE_GAMBLING_AND_GAMING"}
	createStatuses   = []string{"ACTIVE", "PAUSED"}
	adObjectStatuses = []string{"ACTIVE", "PAUSED", "ARCHIVED", "DELETED"}
)

// createCampaign serves POST /act_{id}/campaigns.
func (s *Sandbox) createCampaign(c *call) (any, *apiError) {
	acct := s.account(c.Node)
	name := c.P.str("name")
	if name == "" {
		return nil, required("name")
	}
	objective := c.P.str("objective")
	if objective == "" {
		return nil, required("objective")
	}
	if e := oneOf("objective", objective, campaignObjectives...); e != nil {
		return nil, e
	}
	buying := c.P.str("buying_type")
	if buying == "" {
		buying = "AUCTION"
	}
	if e := oneOf("buying_type", buying, buyingTypes...); e != nil {
		return nil, e
	}
	// special_ad_categories is mandatory since 2020 and must be an array, even an empty one.
	if !c.P.has("special_ad_categories") {
		return nil, required("special_ad_categories")
	}
	var cats []string
	if e := c.P.decode("special_ad_categories", &cats); e != nil {
		return nil, invalidParam("Param special_ad_categories must be an array")
	}
	for _, cat := range cats {
		if e := oneOf("special_ad_categories", cat, specialAdCats...); e != nil {
			return nil, e
		}
	}
	status, e := createStatus(c.P)
	if e != nil {
		return nil, e
	}
	id := s.newID("campaign")
	s.st.campaigns[id] = &Campaign{ID: id, AccountID: acct.ID, Name: name, Objective: objective, BuyingType: buying,
		Status: status, SpecialAdCategories: cats, Created: s.sim}
	return map[string]any{"id": id}, nil
}

// createStatus reads the status every create call requires: ACTIVE or PAUSED.
func createStatus(p params) (string, *apiError) {
	status := p.str("status")
	if status == "" {
		return "", required("status")
	}
	if e := oneOf("status", status, createStatuses...); e != nil {
		return "", e
	}
	return status, nil
}

// adTime reads a Marketing API time parameter: ISO 8601 (with Z, +00:00 or +0000) or unix seconds, as Graph
// accepts. ok is false when absent.
func adTime(p params, name string) (t time.Time, ok bool, err *apiError) {
	v := strings.TrimSpace(p.str(name))
	if v == "" {
		return time.Time{}, false, nil
	}
	if digits.MatchString(v) {
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr == nil {
			return time.Unix(n, 0).UTC(), true, nil
		}
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05-0700", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, perr := time.Parse(layout, v); perr == nil {
			return t.UTC(), true, nil
		}
	}
	return time.Time{}, true, invalidParam("Param %s must be a valid ISO 8601 time or a unix timestamp", name)
}

// graphTime writes a time as Graph does: "2026-03-02T00:00:00+0000".
func graphTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-0700") }

// flexRefs reads references given as [{"id": "…"}] or as ["…"]; Graph accepts both, ids as text or numbers.
type flexRefs []IDRef

// UnmarshalJSON accepts objects with an id, bare strings and bare numbers.
func (f *flexRefs) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(flexRefs, 0, len(raw))
	for _, r := range raw {
		var obj map[string]json.RawMessage
		if json.Unmarshal(r, &obj) == nil {
			r = obj["id"]
		}
		id := rawID(r)
		if id == "" {
			return fmt.Errorf("sandbox: %s is not an id", r)
		}
		out = append(out, IDRef{ID: id})
	}
	*f = out
	return nil
}

// rawID reads an id sent as text or as a number ("" when it is neither).
func rawID(r json.RawMessage) string {
	var s string
	if json.Unmarshal(r, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(r, &n) == nil {
		return n.String()
	}
	return ""
}
