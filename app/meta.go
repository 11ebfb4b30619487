package app

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"relance/conversations"
	"relance/meta"
	"relance/meta/sandbox"
	"relance/policy"
)

// sandboxBaseURL is the client's base URL when the sandbox runs in-process: requests never reach a network.
const sandboxBaseURL = "http://sandbox.relance.invalid"

// appSecret is meta.app_secret or, when it is empty, a secret derived from the master key: enough for the
// sandbox (in-process or `relance sandbox` with the same configuration), never for the real Meta.
func appSecret(cfg Config, key []byte) string {
	if cfg.Meta.AppSecret != "" {
		return cfg.Meta.AppSecret
	}
	return hex.EncodeToString(mustDerive(key, "relance sandbox app secret v1"))
}

// newSandbox builds the sandbox of this configuration, posting its webhooks to webhookURL.
func newSandbox(cfg Config, key []byte, webhookURL string, r *runtime, ingest *conversations.Ingester) (*sandbox.Sandbox, error) {
	start, _ := time.Parse(time.RFC3339, cfg.Meta.SandboxStart) // validated with the configuration
	return sandbox.New(sandbox.Options{Start: start,
		AppSecret: appSecret(cfg, key), AppID: cfg.EffectiveAppID(), Seed: cfg.Meta.SandboxSeed,
		WebhookURL: webhookURL, FailRate: cfg.Meta.SandboxFailRate, ReplyRate: cfg.Meta.SandboxReplyRate,
		Log: r.log, AppCallsPerHour: 200_000, PageCallsPerHour: 1_080_000, AccountCallsPerHour: 50_000,
		Accounts: func(id string) (sandbox.Account, bool) {
			// Meta knows every ad account's currency; the sandbox learns it from the brands that connected it.
			var a sandbox.Account
			err := r.db.R.Raw("SELECT name, currency, timezone FROM ad_accounts WHERE account_id = ? ORDER BY created_at LIMIT 1", id).
				Row().Scan(&a.Name, &a.Currency, &a.Timezone)
			return a, err == nil
		},
		Threads: func(pageID, psid string) (sandbox.ThreadInfo, bool) {
			var last, inbound, outbound int64
			var blocked, unavailable bool
			var zone string
			// A reply right after the user's message must find the window that message opened.
			if ingest != nil {
				if err := ingest.Fold(context.Background()); err != nil {
					r.log.Warn("sandbox: fold contacts", "err", err)
				}
			}
			err := r.db.R.Raw(`SELECT last_interaction_at, last_inbound_at, last_outbound_at, blocked, unavailable, optin_timezone
				FROM contacts WHERE page_id = ? AND psid = ? ORDER BY updated_at DESC LIMIT 1`, pageID, psid).
				Row().Scan(&last, &inbound, &outbound, &blocked, &unavailable, &zone)
			if err != nil {
				return sandbox.ThreadInfo{}, false
			}
			info := sandbox.ThreadInfo{LastUserAt: time.UnixMilli(max(last, inbound)), Blocked: blocked || unavailable,
				Country: policy.CountryOfZone(zone)}
			if outbound > 0 {
				info.LastPageAt = time.UnixMilli(outbound)
			}
			return info, true
		},
		Subscriber: subscribers(r),
		// The sandbox plays the policy of the Page's brand (DESIGN §5 "Routing details").
		PageProfile: func(pageID string) string {
			var profile string
			_ = r.db.R.Raw(`SELECT b.policy FROM pages p JOIN brands b ON b.id = p.brand_id WHERE p.page_id = ?`, pageID).Row().Scan(&profile)
			return profile
		},
	})
}

// subscribers tells the sandbox who holds a Marketing Messages token: it opens the Page's subscribed
// contacts' sealed tokens once and remembers them; only a token it does not know makes it look again.
func subscribers(r *runtime) func(pageID, token string) (string, bool) {
	var mu sync.Mutex
	known := map[string]string{} // page id, NUL, token → PSID
	return func(pageID, token string) (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		if psid, ok := known[pageID+"\x00"+token]; ok {
			return psid, true
		}
		rows, err := r.db.R.Raw(`SELECT psid, optin_token_enc FROM contacts WHERE page_id = ? AND optin_token_enc <> '' AND subscribed`, pageID).Rows()
		if err != nil {
			return "", false
		}
		defer rows.Close()
		for rows.Next() {
			var psid, sealed string
			if rows.Scan(&psid, &sealed) != nil {
				return "", false
			}
			if tok, err := r.store.Vault().Open(sealed, "optin:"+pageID+":"+psid); err == nil {
				known[pageID+"\x00"+tok] = psid
			}
		}
		psid, ok := known[pageID+"\x00"+token]
		return psid, ok
	}
}

// newMetaClient builds relance's Graph client: to the in-process sandbox when sb is set, else to
// meta.graph_url over the network.
func newMetaClient(cfg Config, key []byte, sb *sandbox.Sandbox, reg prometheus.Registerer) (*meta.Client, error) {
	o := meta.Options{BaseURL: cfg.Meta.GraphURL, Version: cfg.Meta.APIVersion, AppSecret: appSecret(cfg, key),
		SendRate: cfg.Meta.SendRate, OnUsage: usageMetrics(reg)}
	if sb != nil {
		o.BaseURL = sandboxBaseURL
		o.HTTP = &http.Client{Transport: sb.Transport(), Timeout: 30 * time.Second}
	}
	return meta.New(o)
}

// usageMetrics exports the usage headers of Meta's answers: the share of each limit used, by header.
func usageMetrics(reg prometheus.Registerer) func(meta.Usage) {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "relance_meta_usage_percent",
		Help: "Share of a Meta rate limit used, from the latest answer's usage headers."}, []string{"header"})
	regain := prometheus.NewGauge(prometheus.GaugeOpts{Name: "relance_meta_regain_seconds",
		Help: "estimated_time_to_regain_access of the latest throttled answer, in seconds (0 when not throttled)."})
	if reg != nil {
		reg.MustRegister(g, regain)
	}
	return func(u meta.Usage) {
		if u.App != nil {
			g.WithLabelValues("app").Set(float64(max(u.App.CallCount, u.App.TotalCPUTime, u.App.TotalTime)))
		}
		if u.Page != nil {
			g.WithLabelValues("page").Set(float64(max(u.Page.CallCount, u.Page.TotalCPUTime, u.Page.TotalTime)))
		}
		if u.AdAccount != nil {
			g.WithLabelValues("ad_account").Set(float64(u.AdAccount.UtilPct))
		}
		if len(u.BusinessUseCase) > 0 {
			top := 0
			for _, list := range u.BusinessUseCase {
				for _, b := range list {
					top = max(top, b.CallCount, b.TotalCPUTime, b.TotalTime)
				}
			}
			g.WithLabelValues("business_use_case").Set(float64(top))
		}
		if u.Insights != nil {
			g.WithLabelValues("insights").Set(float64(max(u.Insights.AppUtilPct, u.Insights.AccountUtilPct)))
		}
		regain.Set(u.RegainAfter().Seconds())
	}
}

// loginDialogURL is the base of Facebook Login's dialog: Meta's (www.facebook.com, versioned) when relance
// talks to graph.facebook.com, the in-process sandbox's as served by relance itself, or a standalone
// sandbox's (`relance sandbox`) on its own address. Without an app id (meta.app_id) there is no dialog to
// send anyone to: Facebook Login is off and Pages are connected by pasting their token.
func loginDialogURL(cfg Config, publicURL string) string {
	if cfg.EffectiveAppID() == "" {
		return ""
	}
	if cfg.Meta.GraphURL == "sandbox" {
		return strings.TrimRight(publicURL, "/") + "/sandbox"
	}
	if u, err := url.Parse(cfg.Meta.GraphURL); err == nil && strings.HasSuffix(u.Hostname(), "facebook.com") {
		return "https://www.facebook.com/" + cfg.Meta.APIVersion
	}
	return strings.TrimRight(cfg.Meta.GraphURL, "/") + "/" + cfg.Meta.APIVersion
}

// sandboxDialog is the in-process sandbox as the web server mounts it for the Login dialog (nil without one).
func sandboxDialog(sb *sandbox.Sandbox) http.Handler {
	if sb == nil {
		return nil
	}
	return sb
}
