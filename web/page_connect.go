package web

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"relance/meta"
	"relance/tenancy"
)

// errNoGraphPages answers a Page connection on a server started without a Graph client: without Meta,
// nobody can show the Page is theirs.
var errNoGraphPages = fiber.NewError(fiber.StatusServiceUnavailable,
	"connecting a Page needs the Meta Graph API (meta.graph_url), which this server runs without")

// errMetaUnavailable answers a Page connection when Meta did not answer (after the client's retries).
var errMetaUnavailable = fiber.NewError(fiber.StatusServiceUnavailable,
	"Meta did not answer while checking the Page's token; try again in a minute")

// pageNotConfirmed is the one answer to a connection Meta does not confirm: a token of another Page, of no
// Page, expired, or a Page id that does not exist. It is the same whether or not the Page is connected in
// relance (relance's data is read only after Meta confirmed the token), so a caller without the Page's token
// learns nothing from it.
func pageNotConfirmed() error {
	return &tenancy.ValidationError{Fields: map[string]string{"access_token": "Meta did not confirm this token " +
		"as an access token of this Page: use the Page's own token (from Meta Business Suite or the Graph API " +
		"Explorer, with pages_messaging and pages_manage_metadata)"}}
}

// pageWebhooks says whether relance's Meta app is subscribed to a Page's Messenger webhooks.
type pageWebhooks struct {
	Subscribed bool   `json:"subscribed"`
	Error      string `json:"error,omitempty"`
}

// connectOwnedPage connects a Page for a caller who holds the Page's own token: Meta must confirm that the
// token speaks for that Page (GET /me answers its id) and accept relance's app on the Page's webhooks
// (POST /{page}/subscribed_apps); only then is the Page stored. A Page already held in relance answers
// ErrPageTaken (409, nothing about the holder), which only such a caller can reach.
func (s *Server) connectOwnedPage(ctx context.Context, ts *tenancy.TenantStore, brandID string, in tenancy.PageInput) (tenancy.Page, error) {
	if err := tenancy.CheckPageInput(in); err != nil {
		return tenancy.Page{}, err
	}
	if s.Graph == nil {
		return tenancy.Page{}, errNoGraphPages
	}
	pid, tok := strings.TrimSpace(in.PageID), strings.TrimSpace(in.AccessToken)
	me, err := s.Graph.Me(ctx, tok)
	if meta.IsRetryable(err) {
		s.Log.Warn("page connection: Meta did not answer", "page_id", pid, "err", err)
		return tenancy.Page{}, errMetaUnavailable
	}
	if err != nil || me.ID != pid {
		s.Log.Info("page connection refused: Meta did not confirm the token", "page_id", pid, "class", meta.ClassOf(err))
		return tenancy.Page{}, pageNotConfirmed()
	}
	if err := s.Graph.SubscribeApp(ctx, pid, tok, meta.MessengerFields); err != nil {
		s.Log.Warn("page connection: webhook subscription refused", "page_id", pid, "err", err, "class", meta.ClassOf(err))
		if meta.IsRetryable(err) {
			return tenancy.Page{}, errMetaUnavailable
		}
		return tenancy.Page{}, &tenancy.ValidationError{Fields: map[string]string{"access_token": "Meta refused to " +
			"send this Page's webhooks to relance (" + err.Error() + "): the token needs pages_messaging and pages_manage_metadata"}}
	}
	p, err := ts.ConnectPage(ctx, brandID, in)
	if err != nil && !errors.Is(err, tenancy.ErrConflict) {
		// Nobody holds the Page in relance: leave Meta as it was. When it is held, its holder needs the subscription.
		if uerr := s.Graph.UnsubscribeApp(ctx, pid, tok); uerr != nil {
			s.Log.Warn("page connection failed and the subscription stays", "page_id", pid, "err", uerr)
		}
	}
	return p, err
}

// disconnectPageEverywhere removes the Page from relance, then unsubscribes relance's app at Meta with the
// Page's token. relance's side is whole first and never undone: from the commit on, no instance routes the
// Page's webhooks to the brand. When Meta refuses (expired token, Meta down), the Page stays disconnected
// and the returned note says what the user must do at Meta; webhooks that still arrive are kept aside.
func (s *Server) disconnectPageEverywhere(ctx context.Context, ts *tenancy.TenantStore, brandID, id string) (tenancy.Page, string, error) {
	p, err := ts.DisconnectPage(ctx, brandID, id)
	if err != nil {
		return p, "", err
	}
	if s.Graph == nil {
		return p, "relance could not remove its app from the Page at Meta (this server runs without the Meta Graph API)", nil
	}
	tok, err := ts.OpenPageToken(p)
	if err == nil {
		err = s.Graph.UnsubscribeApp(ctx, p.PageID, tok)
	}
	if err != nil {
		s.Log.Warn("page disconnected, but Meta did not unsubscribe the app", "page_id", p.PageID, "err", err, "class", meta.ClassOf(err))
		return p, "Meta did not remove relance's app from the Page (" + err.Error() + "): the Page is disconnected " +
			"in relance and its webhooks are kept aside; remove the app in the Page's settings (Business integrations)", nil
	}
	return p, "", nil
}
