package web

// The report's schemas, kept beside its handlers (registered into schemas when the package loads).
func init() {
	money := map[string]any{"type": "object", "nullable": true, "description": "null when a rate is missing or the divisor is 0",
		"properties": map[string]any{"amount": str(), "currency": str()}}
	row := obj(map[string]any{"key": str(), "name": str(), "spend": money, "fees": money,
		"impressions": map[string]any{"type": "integer"}, "clicks": map[string]any{"type": "integer"},
		"conversations": map[string]any{"type": "integer"}, "new_conversations": map[string]any{"type": "integer"},
		"replies": map[string]any{"type": "integer"},
		"conversions": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "number"},
			"description": "credited conversions per type; fractions (two decimals) under linear credit"},
		"revenue": money, "cost_per_conversation": money, "cost_per_lead": money,
		"roas": map[string]any{"type": "string", "nullable": true, "description": "revenue ÷ spend, two decimals"}},
		"key", "name", "spend", "conversions")
	schemas["ReportRow"] = row
	schemas["Report"] = obj(map[string]any{"from": strf("date"), "to": strf("date"), "group": str(), "model": str(),
		"window": map[string]any{"type": "integer"}, "currency": str(),
		"rows": map[string]any{"type": "array", "items": ref("ReportRow")}, "totals": ref("ReportRow"),
		"missing_rates": map[string]any{"type": "array", "items": obj(map[string]any{"currency": str(), "day": strf("date")})}},
		"rows", "totals", "currency", "missing_rates")
	// Scheduled exports take a report's parameters too (kind report).
	if p, ok := schemas["ExportParams"].(map[string]any)["properties"].(map[string]any); ok {
		p["kind"] = map[string]any{"type": "string", "enum": []string{"ledger", "report"}, "description": "ledger (default) or report"}
		p["group"] = map[string]any{"type": "string", "enum": []string{"brand", "campaign", "variant", "ad", "link", "day", "month"}}
		p["campaign"] = str()
		p["model"] = map[string]any{"type": "string", "enum": []string{"last_touch", "first_touch", "linear"}}
		p["window"] = map[string]any{"type": "integer", "enum": []int{1, 7, 28}}
	}
}
