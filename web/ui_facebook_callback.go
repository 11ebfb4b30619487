package web

import (
	"context"
	"errors"
	"html/template"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"relance/meta"
	"relance/tenancy"
)

// errFacebookLoginGone is the one answer to a state or picker that is unknown, used, expired, or another
// session's: nothing is connected and nothing says whose it was.
var errFacebookLoginGone = fiber.NewError(fiber.StatusBadRequest, "This Facebook login is not valid: it was already used, "+
	"it expired, or it was started in another session. Nothing was connected; start again from the brand's Connect a Page screen.")

// errFacebookCodeRefused is Meta refusing the dialog's code (replayed, expired, or for another address).
var errFacebookCodeRefused = fiber.NewError(fiber.StatusBadRequest, "Meta refused this login (its code was already used or "+
	"has expired). Nothing was connected; start again from the brand's Connect a Page screen.")

// pickPage is one Page of the picker.
type pickPage struct {
	ID, Name  string
	Picture   template.URL // "" when Meta gave none (or one relance does not show)
	Connected bool         // already connected to this brand
}

// pickAccount is one ad account of the picker.
type pickAccount struct {
	ID, Name, Currency, Timezone string
	Connected                    bool
}

// facebookPickerView is the Page picker after a Facebook Login.
type facebookPickerView struct {
	Brand      tenancy.Brand
	Pages      []pickPage
	AdAccounts []pickAccount
	// AdAccountsNote says why no ad account is listed when Meta refused to list them.
	AdAccountsNote string
	Errors         map[string]string
	// Cancelled is a login the person cancelled at Meta.
	Cancelled bool
}

// pictureRe is a picture relance shows: Meta's CDN over HTTPS, or the sandbox's inline images.
var pictureRe = regexp.MustCompile(`^(https://[a-z0-9.-]+\.(fbcdn\.net|fbsbx\.com|facebook\.com)/|data:image/(png|jpeg|gif|svg\+xml)[,;])`)

// pagePicture passes a Page picture URL to the template only when it is of a shape relance trusts.
func pagePicture(u string) template.URL {
	if !pictureRe.MatchString(u) {
		return ""
	}
	return template.URL(u) // #nosec: checked against pictureRe, and only ever used as an <img src>
}

// facebookCallback is where Meta's dialog sends the browser back (GET /oauth/facebook/callback): the state
// must be one this session started and not yet used; the code is exchanged for the person's token, made
// long-lived (so that the Page tokens read with it do not expire) and kept sealed on the server; the browser
// goes on to the picker of the person's Pages and ad accounts.
func (s *Server) facebookCallback(c *fiber.Ctx) error {
	p := principalOf(c)
	if !p.viaSession() {
		return errSessionOnly
	}
	ctx, ts := c.UserContext(), s.tenantStore(c)
	login, err := ts.TakeFacebookState(ctx, c.Query("state"), p.User.ID, p.Session.IDHash)
	if errors.Is(err, tenancy.ErrFacebookLoginGone) {
		return errFacebookLoginGone
	}
	if err != nil {
		return err
	}
	// The roles may have changed since the login started.
	if !s.Store.Authz().Can(p.TenantID, p.User.ID, login.BrandID, tenancy.PermPagesWrite) {
		return errForbidden
	}
	b, err := ts.Brand(ctx, login.BrandID)
	if err != nil {
		return err
	}
	if c.Query("error") != "" {
		return s.renderPage(c, "pages/facebook_login", "Connect Pages with Facebook", facebookPickerView{Brand: b, Cancelled: true})
	}
	if s.Graph == nil {
		return errNoLoginDialog
	}
	code := c.Query("code")
	if code == "" || len(code) > 1024 {
		return errFacebookCodeRefused
	}
	short, err := s.Graph.ExchangeCode(ctx, s.Webhook.AppID, s.callbackURL(c), code)
	if err == nil {
		short, err = s.Graph.LongLivedToken(ctx, s.Webhook.AppID, short.AccessToken)
	}
	if err != nil {
		s.Log.Info("facebook login: Meta refused the code", "brand_id", b.ID, "err", err, "class", meta.ClassOf(err))
		if meta.IsRetryable(err) {
			return errMetaUnavailable
		}
		return errFacebookCodeRefused
	}
	if err := ts.KeepFacebookToken(ctx, login.ID, short.AccessToken); err != nil {
		return err
	}
	// The picker has its own address: reloading it works, and the spent code leaves the address bar.
	return c.Redirect("/brands/"+b.ID+"/pages/facebook-login/pick", fiber.StatusSeeOther)
}

// facebookPickPage shows the picker of this session's Facebook Login on the brand, while its token is kept
// (GET /brands/:brand/pages/facebook-login/pick).
func (s *Server) facebookPickPage(c *fiber.Ctx) error {
	p := principalOf(c)
	if !p.viaSession() {
		return errSessionOnly
	}
	if s.Graph == nil {
		return errNoLoginDialog
	}
	ctx, ts, b := c.UserContext(), s.tenantStore(c), brandOf(c)
	_, token, err := ts.OpenFacebookLogin(ctx, b.ID, p.User.ID, p.Session.IDHash)
	if errors.Is(err, tenancy.ErrFacebookLoginGone) {
		return errFacebookLoginGone
	}
	if err != nil {
		return err
	}
	v, _, _, err := s.facebookPicker(ctx, ts, b, token)
	if err != nil {
		return err
	}
	return s.renderPage(c, "pages/facebook_login", "Connect Pages with Facebook", v)
}

// facebookPicker lists what the person's token reaches, marking what the brand has already, and returns
// Meta's lists (with the Page tokens) for the connection.
func (s *Server) facebookPicker(ctx context.Context, ts *tenancy.TenantStore, b tenancy.Brand, token string) (facebookPickerView, []meta.ManagedPage, []meta.ManagedAdAccount, error) {
	v := facebookPickerView{Brand: b}
	pages, err := s.Graph.MyPages(ctx, token)
	if err != nil {
		s.Log.Warn("facebook login: listing the Pages failed", "brand_id", b.ID, "err", err, "class", meta.ClassOf(err))
		if meta.IsRetryable(err) {
			return v, nil, nil, errMetaUnavailable
		}
		return v, nil, nil, errFacebookCodeRefused
	}
	accts, err := s.Graph.MyAdAccounts(ctx, token)
	if err != nil {
		// Ad accounts are optional: a person without ads permissions still connects Pages.
		s.Log.Info("facebook login: listing the ad accounts failed", "brand_id", b.ID, "err", err, "class", meta.ClassOf(err))
		v.AdAccountsNote = "Meta did not list ad accounts for this login (" + err.Error() + ")."
		accts = nil
	}
	have, err := ts.Pages(ctx, b.ID)
	if err != nil {
		return v, nil, nil, err
	}
	connected := map[string]bool{}
	for _, pg := range have {
		connected[pg.PageID] = true
	}
	for _, pg := range pages {
		v.Pages = append(v.Pages, pickPage{ID: pg.ID, Name: pg.Name, Picture: pagePicture(pg.PictureURL()), Connected: connected[pg.ID]})
	}
	haveAccts, err := ts.AdAccounts(ctx, b.ID)
	if err != nil {
		return v, nil, nil, err
	}
	attached := map[string]bool{}
	for _, a := range haveAccts {
		attached[a.AccountID] = true
	}
	for _, a := range accts {
		id := a.ID
		if !strings.HasPrefix(id, "act_") {
			id = "act_" + a.AccountID
		}
		v.AdAccounts = append(v.AdAccounts, pickAccount{ID: id, Name: a.Name, Currency: a.Currency, Timezone: a.TimezoneName, Connected: attached[id]})
	}
	return v, pages, accts, nil
}
