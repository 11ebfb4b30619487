package web

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"relance/attribution"
	"relance/campaigns"
)

// campaignResults reads the campaign's A/B results with conversions credited under the request's model and
// window (?model=, ?window=; a bad value is a 422 naming it).
func (s *Server) campaignResults(c *fiber.Ctx) (campaigns.Results, error) {
	choice, err := attribution.ParseChoice(c.Query("model"), c.Query("window"))
	if err != nil {
		return campaigns.Results{}, err
	}
	conv := s.conversionStore(c)
	return s.campaignStore(c).Results(c.UserContext(), c.Params("campaign"),
		func(ctx context.Context, id string) (campaigns.ConversionCounts, error) {
			by, held, err := conv.CampaignConversions(ctx, id, choice)
			return campaigns.ConversionCounts{ByVariant: by, Holdout: held}, err
		})
}

// apiCampaignResults answers GET /api/v1/brands/:brand/campaigns/:campaign/results: per variant the sends,
// replies, conversions, reply rate and its interval, the winner, the p-value, the lift against the holdout
// and the recipients still needed. Figures only: no message text, so finance reads it too.
func (s *Server) apiCampaignResults(c *fiber.Ctx) error {
	r, err := s.campaignResults(c)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func init() {
	interval := map[string]any{"type": "array", "items": map[string]any{"type": "number"}, "minItems": 2, "maxItems": 2,
		"description": "95 % interval [low, high], shares"}
	num := map[string]any{"type": "number"}
	integer := map[string]any{"type": "integer"}
	schemas["Lift"] = obj(map[string]any{"value": map[string]any{"type": "number",
		"description": "reply rate minus the holdout's reply rate, a share (0.03 = 3 percentage points)"}, "ci95": interval}, "value", "ci95")
	schemas["VariantResult"] = obj(map[string]any{"key": str(), "weight": integer, "removed": map[string]any{"type": "boolean"},
		"sent": integer, "delivered": integer, "replies": integer, "conversions": integer,
		"rate":            map[string]any{"type": []string{"number", "null"}, "description": "replies ÷ delivered, a share; null before any delivery"},
		"ci95":            map[string]any{"oneOf": []any{interval, map[string]any{"type": "null"}}, "description": "Wilson score interval"},
		"p_value_vs_best": map[string]any{"type": []string{"number", "null"}, "description": "pooled two-proportion z-test against the best variant, unadjusted"},
		"lift_vs_holdout": map[string]any{"oneOf": []any{ref("Lift"), map[string]any{"type": "null"}}}},
		"key", "sent", "delivered", "replies", "conversions", "rate", "ci95")
	schemas["CampaignResults"] = obj(map[string]any{"campaign_id": str(),
		"variants": map[string]any{"type": "array", "items": ref("VariantResult")},
		"holdout": map[string]any{"oneOf": []any{obj(map[string]any{"members": integer, "replies": integer, "conversions": integer,
			"rate": map[string]any{"type": []string{"number", "null"}}, "ci95": map[string]any{"oneOf": []any{interval, map[string]any{"type": "null"}}}}),
			map[string]any{"type": "null"}}, "description": "null when nobody was held out"},
		"winner":      map[string]any{"type": "string", "description": "the variant significantly better than every other; empty for none"},
		"best":        str(),
		"p_value":     map[string]any{"type": []string{"number", "null"}, "description": "largest p-value of the best variant against another, times the number of comparisons (Bonferroni), at most 1"},
		"alpha":       num,
		"comparisons": integer, "significant": map[string]any{"type": "boolean"},
		"lift_vs_holdout": map[string]any{"oneOf": []any{ref("Lift"), map[string]any{"type": "null"}},
			"description": "all variants' pooled reply rate minus the holdout's"},
		"more_recipients_needed": map[string]any{"type": []string{"integer", "null"},
			"description": "about how many more recipients reach 80 % power at alpha for the differences seen; null with a winner or when it cannot be told"},
		"reply_window_hours": integer},
		"campaign_id", "variants", "holdout", "winner", "p_value", "lift_vs_holdout", "more_recipients_needed")
	schemas["WinnerInput"] = obj(map[string]any{"weight": map[string]any{"type": "integer", "minimum": 1, "maximum": 100,
		"description": "the winner's percent of future sends (default 100); the others share the rest"}})
	schemas["AppliedWinner"] = obj(map[string]any{"campaign": ref("Campaign"), "results": ref("CampaignResults")}, "campaign", "results")
}
