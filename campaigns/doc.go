// Package campaigns holds Click-to-Messenger ads, home-screen ads and sponsored messages (DESIGN §5): the
// campaign with its variants and creatives, budget in minor units, flight, cron schedule in the brand's zone,
// audiences, holdout, frequency cap and ref; validation as Meta validates; the lifecycle with approvals and
// the timeline every action leaves. It knows nothing of HTTP.
package campaigns
