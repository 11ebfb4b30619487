package web

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"relance/meta"
	"relance/tenancy"
)

// facebookConnectInput is the picker's choice (a form with repeated page_ids and ad_account_ids, or JSON).
type facebookConnectInput struct {
	PageIDs      []string `json:"page_ids"`
	AdAccountIDs []string `json:"ad_account_ids"`
}

// connectOutcome is what became of one chosen Page or ad account.
type connectOutcome struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Connected bool   `json:"connected"`
	Error     string `json:"error,omitempty"`
}

// facebookConnectView is the answer of the connection: one line per chosen Page and ad account.
type facebookConnectView struct {
	Brand      tenancy.Brand    `json:"-"`
	Pages      []connectOutcome `json:"pages"`
	AdAccounts []connectOutcome `json:"ad_accounts"`
}

// readConnectInput reads the form (page_ids or page_ids[] repeated) or the JSON body.
func readConnectInput(c *fiber.Ctx) (facebookConnectInput, error) {
	var in facebookConnectInput
	if isJSONType(c.Get(fiber.HeaderContentType)) {
		return in, decodeJSON(c, &in)
	}
	args := c.Request().PostArgs()
	for _, key := range []string{"page_ids", "page_ids[]"} {
		for _, v := range args.PeekMulti(key) {
			in.PageIDs = append(in.PageIDs, string(v))
		}
	}
	for _, key := range []string{"ad_account_ids", "ad_account_ids[]"} {
		for _, v := range args.PeekMulti(key) {
			in.AdAccountIDs = append(in.AdAccountIDs, string(v))
		}
	}
	return in, nil
}

// connectFacebookPages connects the Pages and ad accounts picked after a Facebook Login
// (POST /brands/:brand/pages/facebook-login/connect). The choice is checked against what Meta lists for the
// login's token now (an id it does not list is a 422 before anything changes); each Page then goes through
// the same ownership check as a pasted token (its Page token's /me, the app's subscription), and each ad
// account is attached with the account's own currency and time zone. The login is spent by the first
// connection.
func (s *Server) connectFacebookPages(c *fiber.Ctx) error {
	err := s.connectFacebook(c)
	if err != nil && isJSONType(c.Get(fiber.HeaderContentType)) {
		// A JSON choice gets a JSON refusal, as the API words it, though the path is the UI's.
		status, msg, fields := classify(err)
		if status >= 500 {
			return err
		}
		return c.Status(status).JSON(apiError{Error: apiErrorBody{Code: codes[status], Message: msg, Fields: fields}})
	}
	return err
}

// connectFacebook is connectFacebookPages before a JSON caller's errors are shaped.
func (s *Server) connectFacebook(c *fiber.Ctx) error {
	p := principalOf(c)
	if !p.viaSession() {
		return errSessionOnly
	}
	if s.Graph == nil {
		return errNoLoginDialog
	}
	in, err := readConnectInput(c)
	if err != nil {
		return err
	}
	ctx, ts, b := c.UserContext(), s.tenantStore(c), brandOf(c)
	login, token, err := ts.OpenFacebookLogin(ctx, b.ID, p.User.ID, p.Session.IDHash)
	if errors.Is(err, tenancy.ErrFacebookLoginGone) {
		return errFacebookLoginGone
	}
	if err != nil {
		return err
	}
	view, pages, accts, err := s.facebookPicker(ctx, ts, b, token)
	if err != nil {
		return err
	}
	byPage := map[string]meta.ManagedPage{}
	for _, pg := range pages {
		byPage[pg.ID] = pg
	}
	byAcct := map[string]meta.ManagedAdAccount{}
	for _, a := range view.AdAccounts {
		for _, m := range accts {
			if m.ID == a.ID || "act_"+m.AccountID == a.ID {
				byAcct[a.ID] = m
			}
		}
	}
	fe := map[string]string{}
	if len(in.PageIDs)+len(in.AdAccountIDs) == 0 {
		fe["page_ids"] = "choose at least one Page or ad account"
	}
	for i, id := range in.PageIDs {
		if _, ok := byPage[id]; !ok {
			fe[fmt.Sprintf("page_ids[%d]", i)] = "is not a Page this Facebook login manages"
		}
	}
	for i, id := range in.AdAccountIDs {
		if _, ok := byAcct[id]; !ok {
			fe[fmt.Sprintf("ad_account_ids[%d]", i)] = "is not an ad account this Facebook login reaches"
		}
	}
	if len(fe) > 0 {
		if isJSONType(c.Get(fiber.HeaderContentType)) {
			return &tenancy.ValidationError{Fields: fe}
		}
		view.Errors = fe
		return s.renderPage(c.Status(fiber.StatusUnprocessableEntity), "pages/facebook_login", "Connect Pages with Facebook", view)
	}
	if first, err := ts.EndFacebookLogin(ctx, login.ID); err != nil {
		return err
	} else if !first {
		return errFacebookLoginGone
	}
	out := facebookConnectView{Brand: b, Pages: []connectOutcome{}, AdAccounts: []connectOutcome{}}
	done := map[string]bool{}
	for _, id := range in.PageIDs {
		if done[id] {
			continue
		}
		done[id] = true
		pg := byPage[id]
		o := connectOutcome{ID: id, Name: pg.Name}
		_, err := s.connectOwnedPage(ctx, ts, b.ID, tenancy.PageInput{PageID: pg.ID, Name: pg.Name, AccessToken: pg.AccessToken})
		o.Connected, o.Error = err == nil, outcomeText(err)
		out.Pages = append(out.Pages, o)
	}
	for _, id := range in.AdAccountIDs {
		if done[id] {
			continue
		}
		done[id] = true
		a := byAcct[id]
		name := a.Name
		if strings.TrimSpace(name) == "" {
			name = id
		}
		o := connectOutcome{ID: id, Name: name}
		// The long-lived login token (ads_management) is the account's Marketing API token until someone
		// replaces it with a system user's.
		_, err := ts.AddAdAccount(ctx, b.ID, tenancy.AdAccountInput{AccountID: id, Name: name, Currency: a.Currency,
			Timezone: a.TimezoneName, AccessToken: token})
		o.Connected, o.Error = err == nil, outcomeText(err)
		out.AdAccounts = append(out.AdAccounts, o)
	}
	if isJSONType(c.Get(fiber.HeaderContentType)) {
		return c.JSON(out)
	}
	failed := 0
	var names []string
	for _, o := range append(append([]connectOutcome{}, out.Pages...), out.AdAccounts...) {
		if o.Connected {
			names = append(names, o.Name)
		} else {
			failed++
		}
	}
	if failed == 0 {
		s.flash(c, "Connected with Facebook: "+strings.Join(names, ", ")+".")
		return c.Redirect("/brands/"+b.ID, fiber.StatusSeeOther)
	}
	return s.renderPage(c, "pages/facebook_connected", "Connect Pages with Facebook", out)
}

// outcomeText is why one Page or ad account was not connected ("" when it was).
func outcomeText(err error) string {
	if err == nil {
		return ""
	}
	if v, ok := asValidation(err); ok {
		var parts []string
		for field, msg := range v.Fields {
			parts = append(parts, field+" "+msg)
		}
		return strings.Join(parts, "; ")
	}
	if errors.Is(err, tenancy.ErrConflict) {
		return conflictMessage(err)
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return fe.Message
	}
	return "relance could not connect it; try again"
}
