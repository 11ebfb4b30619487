package app

import "testing"

// TestLoginDialogURL: Meta's dialog for graph.facebook.com, relance's own mount of the in-process sandbox,
// a standalone sandbox's address, and no dialog without an app id.
func TestLoginDialogURL(t *testing.T) {
	for _, c := range []struct{ graph, appID, want string }{
		{"sandbox", "", "https://relance.example/sandbox"},
		{"https://graph.facebook.com", "1234567890", "https://www.facebook.com/v25.0"},
		{"http://127.0.0.1:9000/", "1234567890", "http://127.0.0.1:9000/v25.0"},
		{"https://graph.facebook.com", "", ""},
	} {
		cfg := Defaults()
		cfg.Meta.GraphURL, cfg.Meta.AppID = c.graph, c.appID
		if got := loginDialogURL(cfg, "https://relance.example/"); got != c.want {
			t.Errorf("graph %s, app %q: %q, want %q", c.graph, c.appID, got, c.want)
		}
	}
}
