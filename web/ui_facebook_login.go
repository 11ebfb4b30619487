package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/meta"
)

// facebookCallbackPath is where Meta's Login dialog sends the browser back (registered in the Meta app as
// a valid OAuth redirect URI: <http.public_url>/oauth/facebook/callback).
const facebookCallbackPath = "/oauth/facebook/callback"

// errSessionOnly refuses Facebook Login to API tokens: the login is bound to a browser session.
var errSessionOnly = fiber.NewError(fiber.StatusForbidden, "Facebook Login runs in a browser session, not with an API token")

// errNoLoginDialog answers Facebook Login on a server without the Graph API or without a dialog to send to.
var errNoLoginDialog = fiber.NewError(fiber.StatusServiceUnavailable,
	"Facebook Login needs the Meta Graph API (meta.graph_url) and relance's Meta app id (meta.app_id): paste a Page token instead")

// callbackURL is the redirect_uri of the dialog and of the code exchange, which must be identical.
func (s *Server) callbackURL(c *fiber.Ctx) string { return s.linkBase(c) + facebookCallbackPath }

// startFacebookLogin sends the browser to Meta's Login dialog with a fresh state bound to this session and
// brand (GET /brands/:brand/pages/facebook-login).
func (s *Server) startFacebookLogin(c *fiber.Ctx) error {
	p := principalOf(c)
	if !p.viaSession() {
		return errSessionOnly
	}
	if !s.facebookLoginOn() {
		return errNoLoginDialog
	}
	state, err := s.tenantStore(c).StartFacebookLogin(c.UserContext(), brandOf(c).ID, p.User.ID, p.Session.IDHash)
	if err != nil {
		return err
	}
	return c.Redirect(meta.DialogURL(s.LoginDialogURL, s.Webhook.AppID, s.callbackURL(c), state), fiber.StatusFound)
}

// facebookLoginOn reports whether Facebook Login can run: a Graph client and a dialog to send the browser to.
func (s *Server) facebookLoginOn() bool {
	return s.Graph != nil && s.LoginDialogURL != "" && s.Webhook.AppID != ""
}
