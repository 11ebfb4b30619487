// Package meta will be the Graph API client: Send API, Marketing API, Custom Audiences, Insights and
// Marketing Messages, with appsecret_proof, typed errors, retries, pacing and usage-header backoff.
package meta
