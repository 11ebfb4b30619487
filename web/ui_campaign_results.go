package web

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"relance/campaigns"
	"relance/tenancy"
)

// resultsView is the A/B results section of a campaign page: the figures as the screen writes them.
type resultsView struct {
	BrandID, CampaignID string
	Rows                []resultRow
	Holdout             *resultRow
	Winner, Best        string
	PValue, Lift        string
	// Needed is "about N more recipients" while there is no winner, "" when it cannot be told.
	Needed string
	// CanApply says the caller may apply the winner (campaign write permission) and there is one.
	CanApply bool
	// Message says what an apply did or why it was refused.
	Message string
	// CSRF is the session's token for the apply form (a part has no page frame to carry it).
	CSRF             string
	ReplyWindowHours int
	Comparisons      int
}

// resultRow is one variant (or the holdout) as the results table shows it.
type resultRow struct {
	Key                                   string
	Weight                                int
	Removed, Winner                       bool
	Sent, Delivered, Replies, Conversions string
	Rate, CI, PValue, Lift                string
}

// campaignResultsPart renders the A/B results section (GET /brands/:brand/campaigns/:campaign/results,
// loaded by htmx from the campaign page).
func (s *Server) campaignResultsPart(c *fiber.Ctx) error {
	r, err := s.campaignResults(c)
	if err != nil {
		return err
	}
	return s.renderPart(c, "campaigns/results", s.resultsViewOf(c, r, ""))
}

// resultsViewOf shapes results for the screen in the request's locale.
func (s *Server) resultsViewOf(c *fiber.Ctx, r campaigns.Results, msg string) resultsView {
	loc := localeFor(requestLocale(c))
	p, b := principalOf(c), brandOf(c)
	pct := func(v float64) string { return strings.Replace(fmt.Sprintf("%.1f %%", 100*v), ".", loc.decimal, 1) }
	pts := func(l *campaigns.Lift) string {
		if l == nil {
			return "—"
		}
		f := func(v float64) string { return strings.Replace(fmt.Sprintf("%+.1f", 100*v), ".", loc.decimal, 1) }
		return f(l.Value) + " pts [" + f(l.CI95[0]) + ", " + f(l.CI95[1]) + "]"
	}
	n := func(v int64) string { return formatNumber(v, requestLocale(c)) }
	rate := func(x *float64, ci *[2]float64) (string, string) {
		if x == nil {
			return "—", "—"
		}
		return pct(*x), "[" + pct(ci[0]) + ", " + pct(ci[1]) + "]"
	}
	pval := func(v *float64) string {
		if v == nil {
			return "—"
		}
		return strings.Replace(fmt.Sprintf("%.4f", *v), ".", loc.decimal, 1)
	}
	v := resultsView{BrandID: b.ID, CampaignID: r.CampaignID, Winner: r.Winner, Best: r.Best, PValue: pval(r.PValue),
		Lift: pts(r.LiftVsHoldout), Message: msg, ReplyWindowHours: r.ReplyWindowHours, Comparisons: r.Comparisons,
		CanApply: r.Winner != "" && s.Store.Authz().Can(p.TenantID, p.User.ID, b.ID, tenancy.PermCampaignsWrite)}
	if p.viaSession() {
		v.CSRF = p.Session.CSRFToken
	}
	if r.MoreRecipientsNeeded != nil {
		v.Needed = n(*r.MoreRecipientsNeeded)
	}
	for _, x := range r.Variants {
		row := resultRow{Key: x.Key, Weight: x.Weight, Removed: x.Removed, Winner: x.Key == r.Winner, Sent: n(x.Sent),
			Delivered: n(x.Delivered), Replies: n(x.Replies), Conversions: n(x.Conversions), PValue: pval(x.PValueVsBest),
			Lift: pts(x.LiftVsHoldout)}
		row.Rate, row.CI = rate(x.Rate, x.CI95)
		v.Rows = append(v.Rows, row)
	}
	if h := r.Holdout; h != nil {
		row := resultRow{Key: "holdout", Sent: "—", Delivered: n(h.Members), Replies: n(h.Replies), Conversions: n(h.Conversions),
			PValue: "—", Lift: "—"}
		row.Rate, row.CI = rate(h.Rate, h.CI95)
		v.Holdout = &row
	}
	return v
}
