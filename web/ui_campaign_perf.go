package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// funnelStep is one step of a campaign's funnel: how many got that far, and what share of those sent.
type funnelStep struct {
	ID, Label string
	Count     int64
	// Percent is Count as a whole percentage of the sent (0 to 100, capped), Share the same written out.
	Percent int64
	Share   string
}

// campaignPerf is the campaign page's results: the funnel of its sends and its figures per day.
type campaignPerf struct {
	Funnel []funnelStep
	// Sent says the campaign sent messages (an ads campaign has no sends: its funnel starts at conversations).
	Sent     bool
	Overview *overviewView
}

// campaignPerfOf reads a campaign's funnel and days (in the brand's zone, amounts in the brand's currency,
// like its budget) for those who read the brand's reports; nil for others.
func (s *Server) campaignPerfOf(c *fiber.Ctx, b tenancy.Brand, campaignID string) (*campaignPerf, error) {
	p := principalOf(c)
	if !s.Store.Authz().Can(p.TenantID, p.User.ID, b.ID, tenancy.PermReportsRead) {
		return nil, nil
	}
	sc := DashScope{TenantID: p.TenantID, BrandIDs: []string{b.ID}, CampaignID: campaignID, Zone: b.Timezone}
	f, err := s.dashFunnel(c.UserContext(), sc)
	if err != nil {
		return nil, err
	}
	loc := requestLocale(c)
	perf := &campaignPerf{Sent: f.Sent > 0}
	for _, st := range []struct {
		id, label string
		n         int64
	}{{"sent", "Sent", f.Sent}, {"delivered", "Delivered", f.Delivered}, {"read", "Read", f.Read},
		{"replied", "Replied", f.Replied}, {"converted", "Converted", f.Converted}} {
		step := funnelStep{ID: st.id, Label: st.label, Count: st.n, Share: "—"}
		if f.Sent > 0 {
			step.Percent = min(100, st.n*100/f.Sent)
			step.Share = formatRatioPercent(st.n, f.Sent, loc)
		}
		perf.Funnel = append(perf.Funnel, step)
	}
	base := "/brands/" + b.ID + "/campaigns/" + campaignID + "?"
	if perf.Overview, err = s.overviewOf(c, sc, b.Currency, base, "campaign", nil); err != nil {
		return nil, err
	}
	perf.Overview.HideTop = true
	return perf, nil
}

// formatRatioPercent writes n ÷ of as a percentage with one decimal in the locale ("42.5 %").
func formatRatioPercent(n, of int64, locale string) string {
	tenths := (n*1000 + of/2) / of
	return formatNumber(tenths/10, locale) + localeFor(locale).decimal + string(rune('0'+tenths%10)) + "\u00a0%"
}
