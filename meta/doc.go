// Package meta is relance's Graph API client: Send API, Marketing API, Custom Audiences, Insights and
// Marketing Messages, with appsecret_proof, typed errors, retries, pacing and usage-header backoff.
//
// Files (facts from relance's Meta platform reference, cited by section):
//
//   - errors.go: ParseError turns a failed response into *Error (Meta's error object, §3) and Class says what
//     to do about it: retry (transient, throttled), reconnect (token_invalid), fix the setup or the request
//     (permission, invalid_parameter, audience_blocked), or stop messaging a recipient (outside_window,
//     person_unavailable, marketing_message_gap). IsThrottled, IsTransient, IsRetryable and ClassOf see
//     through wrapping.
//   - usage.go: ParseUsage reads X-App-Usage, X-Page-Usage, X-Ad-Account-Usage, X-Business-Use-Case-Usage
//     and X-FB-Ads-Insights-Throttle (§3, §5) for pacing: Usage.Max and Usage.RegainAfter.
//   - money.go: Money (int64 ISO 4217 minor units, DESIGN §4) and exact conversions from Insights decimal
//     strings (§5) and to and from Meta's budget offsets (§3).
//   - client.go, pacer.go, clock.go: versioned, signed calls with retries, per-Page pacing and slow-down.
//     The access token travels in the Authorization header and appsecret_proof in a POST's body (a GET's
//     query), never the token in a URL.
//   - redact.go: Redact and scrub: every error a method returns has the call's token and proof, and
//     anything else shaped like a credential, replaced by "[redacted]" (errors reach logs, API answers and
//     stored job errors).
//   - paging.go: paging.next links followed as Meta gives them (§3), only on the configured server, with
//     any credential Meta copied into them dropped.
//   - one file per product: send.go (Send API, §2), pages.go (subscribed_apps), conversations.go
//     (Conversations API), marketing*.go (campaigns, ad sets, creatives, ads, §3), audiences.go (custom
//     audiences, §4), insights*.go (§5), mmessages.go (Marketing Messages, §3).
//
// Round trips against the sandbox (relance/meta/sandbox) are in the _test files; the package itself never
// imports the sandbox.
package meta
