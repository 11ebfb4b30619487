// Package sandbox is a fake Graph API that answers the same HTTP as Meta and simulates delivery, so that
// relance runs end to end on a machine that cannot reach Meta (a laptop, CI, a demo), the way payment
// platforms ship a mock server. It is an http.Handler: in-process when meta.graph_url = "sandbox", or
// standalone with `relance sandbox --addr HOST:PORT`.
//
// Layout:
//
//   - sandbox.go: Options, New, the router (versioned paths, access token in the Authorization header, the
//     body or the query as Meta accepts it, appsecret_proof) and dispatch.
//   - graph.go: request parameters (JSON, form or query, as Graph accepts them) and Meta-shaped errors.
//   - limits.go: usage headers that rise with traffic, throttling (4, 32, 613) and transient failures.
//   - state.go: the objects the sandbox remembers (Pages, threads, ad objects, audiences, sends, stats).
//   - clock.go and control.go: the simulated clock and the /_sandbox/ control endpoints (not Meta's).
//   - outbox.go: signed webhooks posted to relance's endpoint, in order.
//   - one file (or a few) per Graph product: send.go, pages.go (subscribed_apps and the Conversations API),
//     marketing*.go, audiences.go, insights*.go, messages.go (Marketing Messages), and delivery*.go (the
//     simulation of impressions, clicks, spend and conversations; delivery_seed.go is a demo/test helper).
//   - tokens.go: the Page tokens the sandbox issues (PageToken) and the rule that a Page token speaks only for
//     its Page, as Meta's do.
//   - transport.go: the in-process RoundTripper relance uses when meta.graph_url = "sandbox".
//   - login.go: Facebook Login: the dialog (/dialog/oauth), oauth/access_token (codes, fb_exchange_token),
//     and what a person's token reads (/me, /me/accounts with Page tokens, /me/adaccounts); people are
//     registered with RegisterPerson or POST /_sandbox/users.
//
// Lists page as Graph does: paging.next is an absolute URL on the server that answered (the listener's, or
// the client's base URL in-process) repeating the call's whole query with the next cursor (pages.go: link).
// Objects are read back whole: an ad set's targeting and a creative's object_story_spec keep every key
// accepted, including those the sandbox does not model.
//
// Everything the sandbox decides at random comes from generators seeded by Options.Seed and the object or
// hour concerned, so the same seed and the same calls give the same results.
package sandbox
