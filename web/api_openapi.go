package web

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"relance/attribution"
)

// apiDoc describes an API route for the OpenAPI document.
type apiDoc struct {
	Summary  string
	Tag      string
	Request  string // schema name of the body, if any
	Response string // schema name of the 2xx body, if any
	Status   int    // success status (200 when zero)
	Paged    bool   // takes cursor and limit
	Query    []string
	Public   bool
	// BodyTypes are the request media types when the body is not JSON.
	BodyTypes []string
}

var pathParam = regexp.MustCompile(`:([a-z_]+)`)

// openAPIPath turns "/api/v1/brands/:brand" into "/brands/{brand}" (the server URL holds /api/v1).
func openAPIPath(p string) string {
	return pathParam.ReplaceAllString(strings.TrimPrefix(p, "/api/v1"), "{$1}")
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func str() map[string]any          { return map[string]any{"type": "string"} }
func strf(f string) map[string]any { return map[string]any{"type": "string", "format": f} }
func obj(props map[string]any, required ...string) map[string]any {
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}
func listOf(item string) map[string]any {
	return obj(map[string]any{"data": map[string]any{"type": "array", "items": ref(item)},
		"next_cursor": map[string]any{"type": "string", "description": "empty on the last page"}}, "data", "next_cursor")
}

// schemas are the request and response bodies the API speaks.
var schemas = map[string]any{
	"Error": obj(map[string]any{"error": obj(map[string]any{"code": str(), "message": str(),
		"fields": map[string]any{"type": "object", "additionalProperties": str()}}, "code", "message")}, "error"),
	"Me": obj(map[string]any{"user": obj(map[string]any{"id": str(), "email": str(), "name": str()}),
		"tenant": obj(map[string]any{"id": str(), "slug": str(), "name": str()}),
		"roles":  map[string]any{"type": "array", "items": ref("RoleInput")}}, "user", "tenant", "roles"),
	"Brand": obj(map[string]any{"id": str(), "name": str(), "currency": str(), "timezone": str(),
		"policy":     map[string]any{"type": "string", "enum": []string{"meta-current", "meta-2017"}},
		"settings":   ref("BrandSettings"),
		"created_at": strf("date-time"), "updated_at": strf("date-time")}, "id", "name", "currency", "timezone", "policy"),
	"BrandSettings": obj(map[string]any{"approval_required": map[string]any{"type": "boolean", "description": "default true"},
		"quiet_hours":   obj(map[string]any{"from": str(), "to": str()}, "from", "to"),
		"frequency_cap": obj(map[string]any{"messages": map[string]any{"type": "integer"}, "days": map[string]any{"type": "integer"}}, "messages", "days"),
		"test_contacts": map[string]any{"type": "array", "maxItems": 20, "items": str(), "description": "contact ids of the brand's staff that campaign test sends may go to"}, "conversion_rules": ref("ConversionRules")}),
	"ConversionRules": obj(map[string]any{"lead_on_contact_shared": map[string]any{"type": "boolean", "description": "a lead (value 0) per contact, at its first shared phone number or e-mail address"},
		"purchase_payloads": map[string]any{"type": "array", "maxItems": 50, "description": "a purchase per postback whose payload matches; exact rules first, then the longest prefix",
			"items": obj(map[string]any{"payload": map[string]any{"type": "string", "maxLength": 1000}, "match": map[string]any{"type": "string", "enum": []string{"exact", "prefix"}},
				"value": ref("ConversionValue")}, "payload", "match", "value")}}),
	"BrandInput": obj(map[string]any{"name": str(), "currency": map[string]any{"type": "string", "description": "ISO 4217"},
		"timezone": map[string]any{"type": "string", "description": "IANA time zone"},
		"policy":   map[string]any{"type": "string", "enum": []string{"meta-current", "meta-2017"}},
		"settings": map[string]any{"allOf": []any{ref("BrandSettings")}, "description": "PATCH only; keys left out keep their value"}}),
	"BrandList": listOf("Brand"),
	"Page": obj(map[string]any{"id": str(), "brand_id": str(), "page_id": str(), "name": str(), "token_hint": str(),
		"connected_at": strf("date-time"),
		"verified_at": map[string]any{"type": "string", "format": "date-time", "nullable": true,
			"description": "when Meta confirmed the token as the Page's own; null for Pages connected before relance checked"},
		"webhooks": obj(map[string]any{"subscribed": map[string]any{"type": "boolean"}, "error": str()})}),
	"PageInput": obj(map[string]any{"page_id": str(), "name": str(), "access_token": str()}, "page_id", "name", "access_token"),
	"PageList":  listOf("Page"),
	"PageDisconnected": obj(map[string]any{"id": str(), "page_id": str(),
		"webhooks": obj(map[string]any{"unsubscribed": map[string]any{"type": "boolean"}, "error": str()})}, "id", "page_id", "webhooks"),
	"Backfill": obj(map[string]any{"id": str(), "brand_id": str(), "page_id": str(),
		"status":  map[string]any{"type": "string", "enum": []string{"queued", "running", "done", "failed"}},
		"threads": map[string]any{"type": "integer"}, "messages": map[string]any{"type": "integer", "description": "listed by Meta"},
		"imported": map[string]any{"type": "integer"}, "duplicates": map[string]any{"type": "integer"},
		"skipped": map[string]any{"type": "integer"}, "error": str(), "started_at": strf("date-time"),
		"updated_at": strf("date-time"), "finished_at": strf("date-time")}, "id", "status"),
	"AdAccount": obj(map[string]any{"id": str(), "brand_id": str(), "account_id": str(), "name": str(), "currency": str(),
		"timezone": str(), "token_hint": str(), "created_at": strf("date-time")}),
	"AdAccountInput": obj(map[string]any{"account_id": map[string]any{"type": "string", "description": "act_<digits>"},
		"name": str(), "currency": str(), "timezone": str(),
		"access_token": map[string]any{"type": "string", "description": "optional: a token with ads_management, sealed at rest"}}, "account_id", "name"),
	"AdAccountList": listOf("AdAccount"),
	"User": obj(map[string]any{"id": str(), "email": str(), "name": str(), "must_change_password": map[string]any{"type": "boolean"},
		"created_at": strf("date-time"), "last_login_at": strf("date-time"), "disabled": map[string]any{"type": "boolean"},
		"disabled_at": strf("date-time"), "roles": map[string]any{"type": "array", "items": ref("RoleInput")}}),
	"UserDetail": map[string]any{"allOf": []any{ref("User"), obj(map[string]any{"tokens": map[string]any{"type": "array",
		"items": obj(map[string]any{"id": str(), "name": str(), "prefix": str(), "last_used_at": strf("date-time")})}})}},
	"PasswordReset": obj(map[string]any{"reset_url": map[string]any{"type": "string", "description": "one-time link to hand over"},
		"expires_at": strf("date-time")}, "reset_url", "expires_at"),
	"UserCreated": map[string]any{"allOf": []any{ref("User"), obj(map[string]any{"one_time_password": map[string]any{
		"type": "string", "description": "present when no password was given; must be changed at first login"},
		"invite_url":        map[string]any{"type": "string", "description": "with invite: the one-time link through which the user chooses a password"},
		"invite_expires_at": strf("date-time")})}},
	"UserList": listOf("User"),
	"UserInput": obj(map[string]any{"email": str(), "name": str(), "role": str(), "brand_id": str(),
		"password": map[string]any{"type": "string", "description": "optional; a one-time password is generated otherwise"},
		"invite":   map[string]any{"type": "boolean", "description": "true: no password, answer an invitation link valid 72 h"}}, "email", "role"),
	"BrandUserInput": obj(map[string]any{"email": str(), "name": str(),
		"role": map[string]any{"type": "string", "enum": []string{"brand_admin", "brand_viewer"}}, "password": str(),
		"invite": map[string]any{"type": "boolean"}}, "email", "role"),
	"RoleInput": obj(map[string]any{"role": str(), "brand_id": str()}, "role"),
	"Token": obj(map[string]any{"id": str(), "user_id": str(), "name": str(), "prefix": str(), "created_at": strf("date-time"),
		"last_used_at": strf("date-time"), "revoked_at": strf("date-time")}),
	"TokenInput":   obj(map[string]any{"name": str()}, "name"),
	"TokenCreated": obj(map[string]any{"token": ref("Token"), "secret": map[string]any{"type": "string", "description": "shown once"}}),
	"TokenList":    listOf("Token"),
	"AuditEntry": obj(map[string]any{"id": str(), "brand_id": str(), "actor_id": str(), "actor": str(), "action": str(),
		"object_type": str(), "object_id": str(), "summary": str(), "ip": str(), "request_id": str(), "created_at": strf("date-time")}),
	"AuditList": listOf("AuditEntry"),
	"Referral":  obj(map[string]any{"source": str(), "ref": str(), "ad_id": str(), "at": strf("date-time")}),
	"Reachability": obj(map[string]any{"class": map[string]any{"type": "string",
		"enum": []string{"free", "follow_up", "human_agent", "paid", "ads_only", "unreachable"}},
		"expires_at": strf("date-time"), "reason": str()}),
	"Contact": obj(map[string]any{"id": str(), "page_id": str(), "psid": str(), "first_seen_at": strf("date-time"),
		"last_inbound_at": strf("date-time"), "last_interaction_at": strf("date-time"), "last_outbound_at": strf("date-time"),
		"inbound_count": map[string]any{"type": "integer"}, "outbound_count": map[string]any{"type": "integer"},
		"first_referral": ref("Referral"), "last_referral": ref("Referral"),
		"entities": map[string]any{"type": "array", "items": str()}, "owner": str(),
		"subscribed": map[string]any{"type": "boolean"}, "reachability": ref("Reachability"),
		"name": str(), "first_name": str(), "last_name": str(), "profile_pic_url": str(), "profile_fetched_at": strf("date-time")}),
	"ContactList": listOf("Contact"),
	"MetaApp":     obj(map[string]any{"id": str(), "app_id": str(), "name": str(), "created_at": strf("date-time")}),
	"MetaAppInput": obj(map[string]any{"app_id": str(), "name": str(), "app_secret": str(), "verify_token": str()},
		"app_id", "name", "app_secret", "verify_token"),
	"MetaAppList":         listOf("MetaApp"),
	"AgencySettings":      obj(map[string]any{"reporting_currency": str(), "time_zone": str()}),
	"AgencySettingsInput": obj(map[string]any{"reporting_currency": str(), "time_zone": str()}),
	"FXRate": obj(map[string]any{"date": strf("date"), "base": str(), "quote": str(),
		"rate": map[string]any{"type": "string", "description": "decimal: 1 base = rate quote"}, "source": str()}),
	"FXRateList":   listOf("FXRate"),
	"FXRateInput":  obj(map[string]any{"date": strf("date"), "base": str(), "quote": str(), "rate": str()}, "date", "base", "quote", "rate"),
	"FXRatesInput": obj(map[string]any{"rates": map[string]any{"type": "array", "items": ref("FXRateInput")}}, "rates"),
	"MonthStatus": obj(map[string]any{"month": str(), "closed": map[string]any{"type": "boolean"}, "closed_at": strf("date-time"),
		"closed_by": str(), "ended": map[string]any{"type": "boolean"}}),
	"FinanceMonth": obj(map[string]any{"status": ref("MonthStatus"), "spend": obj(map[string]any{"month": str(),
		"reporting_currency": str(), "total": map[string]any{"type": "integer", "nullable": true},
		"brands": map[string]any{"type": "array", "items": obj(map[string]any{"brand_id": str(), "currency": str(),
			"spend": map[string]any{"type": "integer"}, "adjustments": map[string]any{"type": "integer"},
			"total": map[string]any{"type": "integer"}, "reporting": map[string]any{"type": "integer", "nullable": true},
			"missing_days": map[string]any{"type": "array", "items": str()}})},
		"adjustments": map[string]any{"type": "array", "items": obj(map[string]any{"id": str(), "brand_id": str(),
			"ad_account_id": str(), "ad_id": str(), "day": strf("date"), "month": str(), "currency": str(),
			"spend": map[string]any{"type": "integer"}, "reason": str()})}})}),
	"ConversionValue": obj(map[string]any{"amount": map[string]any{"type": "string", "description": "decimal, dot separated: \"49.90\""}, "currency": str()}, "amount", "currency"),
	"ConversionInput": obj(map[string]any{"external_id": str(), "contact_id": str(), "page_id": str(), "psid": str(),
		"type": map[string]any{"type": "string", "enum": attribution.Types()}, "value": ref("ConversionValue"), "occurred_at": strf("date-time")},
		"external_id", "type", "value", "occurred_at"),
	"Conversion": obj(map[string]any{"id": str(), "brand_id": str(), "external_id": str(), "contact_id": str(), "page_id": str(),
		"psid": str(), "type": str(), "value": ref("ConversionValue"), "occurred_at": strf("date-time"), "source": map[string]any{"type": "string", "enum": []string{"api", "import", "rule"}},
		"created_at": strf("date-time"), "capi": obj(map[string]any{"status": map[string]any{"type": "string",
			"enum": []string{"off", "pending", "sent", "too_old", "failed"}}, "event_id": str(), "sent_at": strf("date-time"), "error": str()})}),
	"ConversionList": listOf("Conversion"),
	"ConversionDetail": map[string]any{"allOf": []any{ref("Conversion"), obj(map[string]any{"attribution": obj(map[string]any{"model": str(),
		"window_days": map[string]any{"type": "integer"}, "touches": map[string]any{"type": "array", "items": obj(map[string]any{
			"id": str(), "conversation_started_at": strf("date-time"), "type": str(), "at": strf("date-time"), "campaign_id": str(), "variant": str(),
			"outside": map[string]any{"type": "boolean"}, "ad_id": str(), "ad_name": str(), "ref": str(), "link": str(), "send_id": str()})},
		"credit": map[string]any{"type": "array", "items": obj(map[string]any{"touch_id": str(), "type": str(), "campaign_id": str(),
			"campaign_name": str(), "variant": str(), "outside": map[string]any{"type": "boolean"}, "ad_name": str(),
			"value": ref("ConversionValue")})}, "unattributed": ref("ConversionValue")})})}},
	"ConversionImport": obj(map[string]any{"rows": map[string]any{"type": "integer"}, "created": map[string]any{"type": "integer"}, "duplicates": map[string]any{"type": "integer"}}),
	"SpendSyncInput":   obj(map[string]any{"ad_account_id": str(), "from": strf("date"), "to": strf("date")}),
	"JobStarted":       obj(map[string]any{"id": str(), "status": str()}),
	"Job": obj(map[string]any{"id": str(), "kind": str(), "status": map[string]any{"type": "string", "enum": []string{"running", "done", "failed"}},
		"params": map[string]any{"type": "object"}, "result": map[string]any{"type": "array", "items": map[string]any{"type": "object"}},
		"error": str(), "created_by": str(), "started_at": strf("date-time"), "finished_at": strf("date-time")}),
	"FXBoard": obj(map[string]any{"date": strf("date"), "reporting_currency": str(), "latest": str(),
		"missing": map[string]any{"type": "array", "items": str()},
		"data": map[string]any{"type": "array", "items": obj(map[string]any{"currency": str(), "rate": str(), "day": strf("date"),
			"via": str(), "manual": map[string]any{"type": "boolean"}, "in_use": map[string]any{"type": "boolean"},
			"missing": map[string]any{"type": "boolean"}})}}),
	"Rule": map[string]any{"type": "object", "description": "An audience rule (DESIGN §5): a group {all: [Rule]}, {any: [Rule]}, " +
		"{not: Rule}, or a condition {field, op, value, within_days?}. Fields and ops: last_inbound_at and first_seen_at " +
		"(within_days, older_than_days: days; between: [RFC 3339, RFC 3339]); inbound_count (gte, lte, eq); source, ad_id (eq, in); " +
		"ref (eq, in, prefix); entity (mentioned, optional within_days); text (contains: what the person wrote, case-insensitive); " +
		"payload (eq: quick reply or postback); talked_to_human (is); reachability (eq, in); page (eq, in); audience (member_of: " +
		"latest snapshot). An invalid node is a 422 whose fields name its path, such as rule.all[2].op."},
	"AudienceInput": obj(map[string]any{"name": str(), "kind": map[string]any{"type": "string", "enum": []string{"rule", "manual"}},
		"rule": ref("Rule"), "refresh_cron": map[string]any{"type": "string", "description": "five-field cron in the brand's time zone; empty: no refresh"},
		"ad_account_id": map[string]any{"type": "string", "description": "act_<digits>: the ad account its Meta custom audience lives in"}}),
	"Snapshot": obj(map[string]any{"id": str(), "audience_id": str(), "number": map[string]any{"type": "integer"},
		"rule_version": map[string]any{"type": "integer"}, "cause": map[string]any{"type": "string", "enum": []string{"manual", "schedule", "import"}},
		"size": map[string]any{"type": "integer"}, "added": map[string]any{"type": "integer"}, "removed": map[string]any{"type": "integer"},
		"duration_ms": map[string]any{"type": "integer"}, "built_at": strf("date-time")}, "id", "number", "size", "added", "removed", "built_at"),
	"SnapshotList": listOf("Snapshot"),
	"Built":        obj(map[string]any{"snapshot": ref("Snapshot")}, "snapshot"),
	"Audience": obj(map[string]any{"id": str(), "brand_id": str(), "name": str(),
		"kind": map[string]any{"type": "string", "enum": []string{"rule", "manual"}}, "rule": ref("Rule"),
		"rule_schema": map[string]any{"type": "integer"}, "rule_version": map[string]any{"type": "integer"}, "refresh_cron": str(),
		"timezone": str(), "next_refresh_at": strf("date-time"), "ad_account_id": str(), "latest_snapshot": ref("Snapshot"),
		"created_at": strf("date-time"), "updated_at": strf("date-time")}, "id", "name", "kind"),
	"AudienceList": listOf("Audience"),
	"CampaignInput": obj(map[string]any{"name": str(), "kind": map[string]any{"type": "string", "enum": []string{"click_to_messenger", "messenger_home", "sponsored_message"}},
		"page_id": str(), "ad_account_id": str(),
		"objective": map[string]any{"type": "string", "enum": []string{"OUTCOME_ENGAGEMENT", "OUTCOME_SALES", "OUTCOME_LEADS", "OUTCOME_TRAFFIC"}},
		"budget": obj(map[string]any{"period": map[string]any{"type": "string", "enum": []string{"daily", "lifetime"}},
			"amount":   map[string]any{"type": "string", "description": "decimal string in the brand's currency, e.g. \"25.00\""},
			"currency": map[string]any{"type": "string", "description": "optional; must be the brand's"}}, "period", "amount"),
		"starts_at": strf("date-time"), "ends_at": strf("date-time"),
		"schedule": obj(map[string]any{"send_cron": map[string]any{"type": "string", "description": "sponsored_message: five-field cron in the brand's zone"},
			"active": map[string]any{"type": "array", "items": ref("Window")}}),
		"audiences": ref("CampaignAudiences"), "targeting": ref("CampaignTargeting"), "variants": map[string]any{"type": "array", "items": ref("Variant")},
		"holdout_percent": map[string]any{"type": "integer", "minimum": 0, "maximum": 50},
		"frequency_cap":   ref("FrequencyCap"),
		"ref":             map[string]any{"type": "string", "description": "m.me ref: letters, digits, + / = - . : _ (at most 250)"}}),
	"Window":            obj(map[string]any{"cron": str(), "minutes": map[string]any{"type": "integer"}}, "cron", "minutes"),
	"CampaignAudiences": obj(map[string]any{"include": map[string]any{"type": "array", "items": str()}, "exclude": map[string]any{"type": "array", "items": str()}}),
	"CampaignTargeting": obj(map[string]any{
		"countries": map[string]any{"type": "array", "items": map[string]any{"type": "string", "pattern": "^[A-Z]{2}$"},
			"description": "ads kinds: ISO 3166-1 alpha-2 codes, sent as the ad set's targeting.geo_locations.countries; " +
				"empty: no location when audiences are included, else the brand's country (its time zone's)"},
		"default": map[string]any{"type": "boolean", "description": "the countries are the brand's country, chosen because Meta needs a location; true in a PATCH goes back to it"}}),
	"FrequencyCap": obj(map[string]any{"messages": map[string]any{"type": "integer"}, "days": map[string]any{"type": "integer"},
		"default": map[string]any{"type": "boolean", "description": "the brand's cap"}}),
	"Variant": obj(map[string]any{"key": str(), "weight": map[string]any{"type": "integer", "description": "weights add up to 100"},
		"creative": ref("Creative")}, "key", "weight", "creative"),
	"Creative": obj(map[string]any{"text": str(), "image_url": str(),
		"quick_replies": map[string]any{"type": "array", "maxItems": 13, "items": obj(map[string]any{"title": str(), "payload": str()})},
		"buttons": map[string]any{"type": "array", "maxItems": 3, "items": obj(map[string]any{"type": map[string]any{"type": "string", "enum": []string{"postback", "web_url"}},
			"title": str(), "payload": str(), "url": str()})},
		"welcome": obj(map[string]any{"greeting": str(), "ice_breakers": map[string]any{"type": "array", "maxItems": 4,
			"items": obj(map[string]any{"question": str(), "payload": str()})}})}),
	"Campaign": map[string]any{"allOf": []any{ref("CampaignInput"), obj(map[string]any{"id": str(), "brand_id": str(),
		"state":   map[string]any{"type": "string", "enum": []string{"draft", "pending_approval", "scheduled", "running", "paused", "completed", "archived"}},
		"version": map[string]any{"type": "integer"}, "approved_version": map[string]any{"type": "integer"}, "approved_by": str(),
		"approved_at": strf("date-time"), "reject_reason": str(), "next_slot": strf("date-time"), "created_by": str(),
		"created_at": strf("date-time"), "updated_at": strf("date-time"), "meta": ref("CampaignMeta")})}},
	"CampaignList": listOf("CampaignSummary"),
	"SlotPreview": obj(map[string]any{"slot": strf("date-time"), "send_at": strf("date-time"), "count": map[string]any{"type": "integer"},
		"routes":      map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "integer"}, "description": "free, follow_up, paid, ads_only"},
		"variants":    map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "integer"}},
		"holdout":     map[string]any{"type": "integer"},
		"skipped":     map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "integer"}, "description": "capped, unreachable, quiet_hours, no_token, policy"},
		"other_pages": map[string]any{"type": "integer"}, "snapshots": map[string]any{"type": "object", "additionalProperties": str()},
		"notes": map[string]any{"type": "array", "items": str()},
		"sample": map[string]any{"type": "array", "items": obj(map[string]any{"page_id": str(), "psid": str(), "contact_id": str(),
			"variant": str(), "route": str(), "reason": str()})}}, "slot", "count", "routes", "variants", "holdout", "skipped", "sample"),
	"ActionInput": obj(map[string]any{"reason": str()}),
	"TimelineEvent": obj(map[string]any{"id": str(), "action": str(), "from_state": str(), "to_state": str(), "actor_id": str(),
		"actor": str(), "detail": str(), "at": strf("date-time")}),
	"TimelineList": listOf("TimelineEvent"),
	"LinkInput":    obj(map[string]any{"label": map[string]any{"type": "string", "maxLength": 60}}, "label"),
	"Link": obj(map[string]any{"label": map[string]any{"type": "string", "description": "empty for the campaign's own link"},
		"ref": str(), "url": str(), "qr_png": str(), "qr_svg": str(), "created_by": str(), "created_at": strf("date-time")},
		"label", "ref", "url", "qr_png", "qr_svg"),
	"LinkList": listOf("Link"),
	"Run": obj(map[string]any{"id": str(), "slot": strf("date-time"),
		"status": map[string]any{"type": "string", "enum": []string{"routing", "sending", "done"}}, "cause": str(),
		"counts": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "integer"},
			"description": "queued, sent, delivered, read, replied, failed, skipped, holdout, unknown"},
		"routes":     map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "integer"}, "description": "free, follow_up, paid, ads_only"},
		"started_at": strf("date-time"), "finished_at": strf("date-time")}, "id", "slot", "status", "counts", "routes", "started_at"),
	"RunArray": map[string]any{"type": "array", "items": ref("Run")},
	"Send": obj(map[string]any{"id": str(), "contact_id": str(), "psid": str(), "variant": str(),
		"route":  map[string]any{"type": "string", "enum": []string{"free", "follow_up", "paid", "ads_only", "skipped", "holdout"}},
		"status": map[string]any{"type": "string", "enum": []string{"queued", "sent", "delivered", "read", "replied", "failed", "skipped", "holdout", "unknown"}},
		"reason": str(), "error": obj(map[string]any{"class": str(), "code": map[string]any{"type": "integer"}}), "sent_at": strf("date-time")},
		"contact_id", "psid", "route", "status"),
	"SendList": listOf("Send"),
	"TestInput": obj(map[string]any{"contact_id": map[string]any{"type": "string", "description": "one of the brand's settings.test_contacts"},
		"variant": map[string]any{"type": "string", "description": "a variant key; default: the contact's own variant"}}, "contact_id"),
	"TestSend": obj(map[string]any{"id": str(), "contact_id": str(), "psid": str(), "variant": str(),
		"status": map[string]any{"type": "string", "enum": []string{"sent", "failed", "skipped", "unknown"}},
		"reason": str(), "error": obj(map[string]any{"class": str(), "code": map[string]any{"type": "integer"}}), "sent_at": strf("date-time")},
		"id", "contact_id", "psid", "variant", "status"),
	"PreviewInput": obj(map[string]any{"rule": ref("Rule")}, "rule"),
	"Preview": obj(map[string]any{"count": map[string]any{"type": "integer"},
		"breakdown": obj(map[string]any{"free": map[string]any{"type": "integer"}, "follow_up": map[string]any{"type": "integer"},
			"human_agent": map[string]any{"type": "integer"}, "paid": map[string]any{"type": "integer"},
			"ads_only": map[string]any{"type": "integer"}, "unreachable": map[string]any{"type": "integer"}}),
		"sample": map[string]any{"type": "array", "items": ref("Contact")}, "at": strf("date-time"),
		"took_ms": map[string]any{"type": "integer"}}, "count", "breakdown", "sample"),
	"SyncStatus": obj(map[string]any{"audience_id": str(), "status": map[string]any{"type": "string",
		"enum": []string{"never", "pending", "syncing", "synced", "failed", "throttled"}}, "ad_account_id": str(),
		"meta_audience_id": str(), "synced_snapshot_id": str(), "synced_seq": map[string]any{"type": "integer"},
		"latest_seq": map[string]any{"type": "integer"}, "target_seq": map[string]any{"type": "integer"},
		"up_to_date": map[string]any{"type": "boolean"},
		"progress": obj(map[string]any{"to_add": map[string]any{"type": "integer"}, "to_remove": map[string]any{"type": "integer"},
			"added": map[string]any{"type": "integer"}, "removed": map[string]any{"type": "integer"}}),
		"last_sync_at": strf("date-time"), "last_error": str(), "retry_after": strf("date-time"), "updated_at": strf("date-time")},
		"audience_id", "status"),
	"MembersCSV": map[string]any{"type": "string", "description": "CSV with a header row"},
	"AudienceImport": obj(map[string]any{"snapshot": ref("Snapshot"), "imported": map[string]any{"type": "integer"},
		"errors": map[string]any{"type": "array", "items": obj(map[string]any{"line": map[string]any{"type": "integer"}, "message": str()})}}),
	"ImportBody": map[string]any{"type": "string", "description": "JSON Lines: one object a line with page_id, psid, " +
		"sent_at (RFC 3339 or epoch ms), text, direction (in|out), sender (bot|human|app for out), mid, referral{source, ref, ad_id}. " +
		"CSV: a header row with page_id, psid, sent_at and any of mid, direction, sender, text, ref_source, ref, ad_id."},
	"ImportResult": obj(map[string]any{"imported": map[string]any{"type": "integer"}, "duplicates": map[string]any{"type": "integer"},
		"errors": map[string]any{"type": "array", "items": obj(map[string]any{"line": map[string]any{"type": "integer"}, "field": str(),
			"message": str()})}}),
	"Message": obj(map[string]any{"mid": str(), "direction": map[string]any{"type": "string", "enum": []string{"in", "out"}},
		"sender": map[string]any{"type": "string", "enum": []string{"user", "bot", "human", "app"}}, "text": str(),
		"sent_at": strf("date-time"), "entities": map[string]any{"type": "array", "items": obj(map[string]any{"name": str(), "value": str()})}}),
	"Thread": map[string]any{"allOf": []any{ref("Contact"), obj(map[string]any{
		"messages": map[string]any{"type": "array", "items": ref("Message")},
		"events":   map[string]any{"type": "array", "items": obj(map[string]any{"kind": str(), "at": strf("date-time"), "data": map[string]any{"type": "object"}})}})}},
	"Occurrence": obj(map[string]any{"what": map[string]any{"type": "string", "enum": []string{"slot", "window", "flight"}},
		"start": strf("date-time"), "end": map[string]any{"type": []string{"string", "null"}, "format": "date-time", "description": "null for a slot, or a flight without an end"},
		"now": map[string]any{"type": "boolean", "description": "the window or flight is already open at the start of the range (lists: now)"}}, "what", "start"),
	"CampaignSummary": map[string]any{"allOf": []any{ref("Campaign"), obj(map[string]any{
		"next": map[string]any{"oneOf": []any{ref("Occurrence"), map[string]any{"type": "null"}}, "description": "next send slot, or the ads window or flight it is in or opens next; null when nothing is planned"},
		"spend": map[string]any{"oneOf": []any{obj(map[string]any{"amount": str(), "currency": str(), "minor": map[string]any{"type": "integer"}}), map[string]any{"type": "null"}},
			"description": "null when unknown: relance does not import Meta's spend yet; 0 when only standard messages went"},
		"spend_note": str(),
		"sends": obj(map[string]any{"total": map[string]any{"type": "integer"}, "messaged": map[string]any{"type": "integer", "description": "sent, delivered, read or replied"},
			"counts": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "integer"}, "description": "queued, sent, delivered, read, replied, failed, skipped, holdout, unknown"}})},
		"next", "spend", "sends")}},
	"Calendar": obj(map[string]any{"from": strf("date-time"), "to": strf("date-time"),
		"data": map[string]any{"type": "array", "items": map[string]any{"allOf": []any{ref("Occurrence"), obj(map[string]any{"campaign_id": str(), "brand_id": str(),
			"name": str(), "kind": str(), "state": str(), "timezone": map[string]any{"type": "string", "description": "the brand's zone, to show the times in"}})}}},
		"truncated": map[string]any{"type": "array", "items": str(), "description": "campaigns with more occurrences in the range than listed (the first 100 are)"},
		"partial":   map[string]any{"type": "boolean", "description": "more than 1,000 live campaigns touch the range; only the first 1,000 by id are read (narrow with brand_id)"}},
		"from", "to", "data", "truncated"),
	"CampaignMeta": obj(map[string]any{"ad_account_id": str(), "campaign_id": str(), "adset_id": str(),
		"status": str(), "adset_status": str(), "launched_at": strf("date-time"), "polled_at": strf("date-time"), "retarget_audience_id": str(),
		"ads": map[string]any{"type": "array", "items": obj(map[string]any{"variant": str(), "version": map[string]any{"type": "integer"},
			"current": map[string]any{"type": "boolean"}, "creative_id": str(), "ad_id": str(), "status": str(),
			"effective_status": map[string]any{"type": "string", "description": "Meta's: PENDING_REVIEW, ACTIVE, DISAPPROVED, WITH_ISSUES, ADSET_PAUSED, CAMPAIGN_PAUSED …"},
			"review":           map[string]any{"type": "string", "description": "why review refused the ad, or what stops its delivery"}})},
		"error": obj(map[string]any{"message": str(), "code": map[string]any{"type": "integer"}, "subcode": map[string]any{"type": "integer"}, "at": strf("date-time")})}),
	"ExportParams": obj(map[string]any{"period": map[string]any{"type": "string", "enum": []string{"previous_month", "month_to_date", "previous_day", "last_7_days", "last_28_days"}},
		"from": strf("date"), "to": strf("date"), "brand": str(), "ad_account": str(), "currency": str(),
		"bom": map[string]any{"type": "boolean"}, "sep": map[string]any{"type": "string", "enum": []string{",", ";"}},
		"decimal": map[string]any{"type": "string", "enum": []string{"point", "comma"}}}),
	"ExportScheduleInput": obj(map[string]any{"name": str(), "cron": str(), "format": map[string]any{"type": "string", "enum": []string{"csv", "xlsx"}},
		"keep": map[string]any{"type": "integer", "minimum": 1, "maximum": 100}, "params": ref("ExportParams")}, "cron", "format", "params"),
	"ExportFile": obj(map[string]any{"id": str(), "schedule_id": str(), "name": str(), "format": str(),
		"status": map[string]any{"type": "string", "enum": []string{"done", "failed"}}, "rows": map[string]any{"type": "integer"},
		"size": map[string]any{"type": "integer"}, "error": str(), "created_at": strf("date-time")}),
	"ExportSchedule": obj(map[string]any{"id": str(), "name": str(), "cron": str(), "timezone": str(), "format": str(),
		"keep": map[string]any{"type": "integer"}, "params": ref("ExportParams"), "created_by": str(), "created_at": strf("date-time"),
		"files": map[string]any{"type": "array", "items": ref("ExportFile")}}),
	"ExportScheduleList": listOf("ExportSchedule"),
}

// openAPI builds the document from the route table, so that a route cannot be served without being described.
func (s *Server) openAPI() map[string]any {
	paths := map[string]any{}
	errResp := func(d string) map[string]any {
		return map[string]any{"description": d, "content": map[string]any{"application/json": map[string]any{"schema": ref("Error")}}}
	}
	for _, r := range s.routes {
		if r.API == nil {
			continue
		}
		p := openAPIPath(r.Path)
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		status := r.API.Status
		if status == 0 {
			status = 200
		}
		ok := map[string]any{"description": "success"}
		if r.API.Response != "" {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": ref(r.API.Response)}}
			if r.API.Response == "object" {
				ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}
			}
			if strings.HasPrefix(r.API.Response, "image/") {
				// A QR code: the body is the image itself.
				ok["content"] = map[string]any{r.API.Response: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
			}
		}
		responses := map[string]any{strconv.Itoa(status): ok}
		if !r.API.Public {
			responses["401"] = errResp("no or bad credentials")
			responses["403"] = errResp("the caller's roles do not allow this")
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": str()})
			responses["404"] = errResp("not found in the caller's agency")
		}
		if r.API.Paged {
			params = append(params,
				map[string]any{"name": "cursor", "in": "query", "schema": str()},
				map[string]any{"name": "limit", "in": "query", "schema": map[string]any{"type": "integer", "minimum": 1, "maximum": 200}})
		}
		for _, q := range r.API.Query {
			params = append(params, map[string]any{"name": q, "in": "query", "schema": str()})
		}
		op := map[string]any{"summary": r.API.Summary, "tags": []string{r.API.Tag},
			"operationId":      operationID(r.Method, p),
			"x-relance-access": map[string]any{"scope": r.Rule.Scope.String(), "permission": r.Rule.Perm},
			"responses":        responses}
		if r.API.Public {
			op["security"] = []any{}
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if r.API.Request != "" {
			content := map[string]any{}
			types := r.API.BodyTypes
			if len(types) == 0 {
				types = []string{"application/json"}
			}
			for _, mt := range types {
				content[mt] = map[string]any{"schema": ref(r.API.Request)}
			}
			op["requestBody"] = map[string]any{"required": true, "content": content}
			responses["400"] = errResp("malformed JSON (with its line and column), or a key given twice at any depth (named in error.fields)")
			responses["413"] = errResp("the body is larger than the server's limit (http.body_limit), stated in the message")
			responses["415"] = errResp("the body is compressed (any Content-Encoding): send it uncompressed")
			if len(r.API.BodyTypes) == 0 {
				responses["415"] = errResp("the body is not sent as application/json, or is compressed (any Content-Encoding)")
			}
			responses["422"] = errResp("invalid fields, each named in error.fields; null is refused: leave a field out to keep it")
		}
		if strings.HasSuffix(r.Path, "/campaigns/:campaign/launch") {
			responses["409"] = errResp("the state does not allow it, or another launch of the campaign is in progress")
			responses["422"] = errResp("Meta refused what relance sent (Meta's message and code in error.message, the field in error.fields when known), or an audience cannot be synced; the campaign stays scheduled")
			responses["502"] = errResp("Meta failed, throttled or did not answer; the campaign stays scheduled and a retry reuses what Meta made")
			responses["503"] = errResp("Meta is not configured on this instance")
		}
		item[strings.ToLower(r.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "relance API", "version": "1",
			"description": "Messenger marketing for agencies. Authenticate with Authorization: Bearer <token>."},
		"servers":    []any{map[string]any{"url": "/api/v1"}},
		"security":   []any{map[string]any{"bearer": []string{}}},
		"paths":      paths,
		"components": map[string]any{"schemas": schemas, "securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}}},
	}
}

// apiOpenAPI answers GET /api/v1/openapi.json.
func (s *Server) apiOpenAPI(c *fiber.Ctx) error {
	return c.JSON(s.openAPIDoc)
}

// operationID names an operation after its method and path: "get_brands_brand_pages".
func operationID(method, path string) string {
	r := strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_")
	return strings.ToLower(method) + r.Replace(path)
}
