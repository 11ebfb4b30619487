package web

import (
	"context"

	"relance/meta"
)

// pageWebhooks says whether relance's Meta app was subscribed to a Page's Messenger webhooks when it was
// connected, and why not.
type pageWebhooks struct {
	Subscribed bool   `json:"subscribed"`
	Error      string `json:"error,omitempty"`
}

// subscribePage subscribes relance's app to the Page's Messenger webhook fields: without it Meta sends
// nothing for the Page. A failure does not undo the connection (the Page and its token may be right while
// Meta is down or the token lacks pages_messaging); the caller reports it so the user can reconnect.
func (s *Server) subscribePage(ctx context.Context, pageID, token string) pageWebhooks {
	if s.Graph == nil {
		return pageWebhooks{} // a server built without Meta (tests): nothing to report
	}
	if err := s.Graph.SubscribeApp(ctx, pageID, token, meta.MessengerFields); err != nil {
		s.Log.Warn("page webhook subscription failed", "page_id", pageID, "err", err, "class", meta.ClassOf(err))
		return pageWebhooks{Error: err.Error()}
	}
	return pageWebhooks{Subscribed: true}
}
