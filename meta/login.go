package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// LoginScopes are the permissions relance asks for in the Facebook Login dialog: list the person's Pages
// with their tokens, message as them, subscribe relance's app to their webhooks, and reach their ad
// accounts (the Marketing API and Business Manager assets).
var LoginScopes = []string{"pages_show_list", "pages_messaging", "pages_manage_metadata", "ads_management", "business_management"}

// DialogURL is the Facebook Login dialog (<base>/dialog/oauth) for relance's app: base is
// https://www.facebook.com/<version> at Meta, or the sandbox's dialog. Only public values go in it.
func DialogURL(base, appID, redirectURI, state string) string {
	q := url.Values{"client_id": {appID}, "redirect_uri": {redirectURI}, "state": {state},
		"response_type": {"code"}, "scope": {strings.Join(LoginScopes, ",")}}
	return strings.TrimRight(base, "/") + "/dialog/oauth?" + q.Encode()
}

// UserToken is a person's access token as oauth/access_token answers it.
type UserToken struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	// ExpiresIn is in seconds (about an hour for a code's token, 60 days for a long-lived one).
	ExpiresIn int64 `json:"expires_in"`
}

// ExchangeCode trades the code the Login dialog returned for the person's token (oauth/access_token).
// redirectURI must be the dialog's, character for character. The app secret and the code travel in a POST
// form body, never in the URL; a code works once.
func (c *Client) ExchangeCode(ctx context.Context, appID, redirectURI, code string) (UserToken, error) {
	return c.oauthToken(ctx, url.Values{"client_id": {appID}, "redirect_uri": {redirectURI}, "code": {code}}, code)
}

// LongLivedToken trades a person's short-lived token for a long-lived one (grant_type=fb_exchange_token):
// Page tokens read with a long-lived user token do not expire, those read with an hour's token expire with it.
func (c *Client) LongLivedToken(ctx context.Context, appID, token string) (UserToken, error) {
	return c.oauthToken(ctx, url.Values{"grant_type": {"fb_exchange_token"}, "client_id": {appID},
		"fb_exchange_token": {token}}, token)
}

// oauthToken posts one oauth/access_token form with the app secret. It is not retried: a code is spent by
// the first call that reached Meta, whether or not its answer came back.
func (c *Client) oauthToken(ctx context.Context, form url.Values, secret string) (UserToken, error) {
	var out UserToken
	form.Set("client_secret", c.o.AppSecret)
	u, err := c.target(request{path: "oauth/access_token"})
	if err != nil {
		return out, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return out, fmt.Errorf("meta: oauth/access_token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hide := func(e error) error { return scrub(e, secret, c.o.AppSecret) }
	resp, err := c.o.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		return out, hide(&Error{Message: err.Error(), IsTransient: true, Lost: true})
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return out, hide(&Error{Message: "reading the answer: " + err.Error(), IsTransient: true, HTTPStatus: resp.StatusCode, Lost: true})
	}
	if resp.StatusCode >= 300 {
		return out, hide(ParseError(resp.StatusCode, raw, resp.Header))
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.AccessToken == "" {
		return UserToken{}, fmt.Errorf("meta: oauth/access_token: the answer holds no access token")
	}
	return out, nil
}

// ManagedPage is a Page the person manages, as /me/accounts lists it, with its Page token.
type ManagedPage struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	AccessToken string `json:"access_token"`
	Picture     struct {
		Data struct {
			URL string `json:"url"`
		} `json:"data"`
	} `json:"picture"`
}

// PictureURL is the Page's profile picture ("" when Meta gave none).
func (p ManagedPage) PictureURL() string { return p.Picture.Data.URL }

// ManagedAdAccount is an ad account the person can use, as /me/adaccounts lists it.
type ManagedAdAccount struct {
	ID           string `json:"id"` // act_…
	AccountID    string `json:"account_id"`
	Name         string `json:"name"`
	Currency     string `json:"currency"`
	TimezoneName string `json:"timezone_name"`
}

// maxListPages bounds the pages of /me/accounts or /me/adaccounts read for one picker (100 items each).
const maxListPages = 20

// MyPages lists the Pages the token's person manages, with their Page tokens and pictures (GET me/accounts).
func (c *Client) MyPages(ctx context.Context, userToken string) ([]ManagedPage, error) {
	var all []ManagedPage
	err := c.listMine(ctx, userToken, "me/accounts", "id,name,access_token,picture{url}", func(raw json.RawMessage) error {
		var rows []ManagedPage
		err := json.Unmarshal(raw, &rows)
		all = append(all, rows...)
		return err
	})
	return all, err
}

// MyAdAccounts lists the ad accounts the token's person can use (GET me/adaccounts).
func (c *Client) MyAdAccounts(ctx context.Context, userToken string) ([]ManagedAdAccount, error) {
	var all []ManagedAdAccount
	err := c.listMine(ctx, userToken, "me/adaccounts", "id,account_id,name,currency,timezone_name", func(raw json.RawMessage) error {
		var rows []ManagedAdAccount
		err := json.Unmarshal(raw, &rows)
		all = append(all, rows...)
		return err
	})
	return all, err
}

// listMine pages through one of the person's edges by its after cursor.
func (c *Client) listMine(ctx context.Context, token, path, fields string, add func(json.RawMessage) error) error {
	after := ""
	for range maxListPages {
		q := url.Values{"fields": {fields}, "limit": {strconv.Itoa(100)}}
		if after != "" {
			q.Set("after", after)
		}
		var out struct {
			Data   json.RawMessage `json:"data"`
			Paging Paging          `json:"paging"`
		}
		if err := c.call(ctx, request{method: "GET", path: path, token: token, query: q}, &out); err != nil {
			return err
		}
		if len(out.Data) > 0 {
			if err := add(out.Data); err != nil {
				return fmt.Errorf("meta: decode %s: %w", path, err)
			}
		}
		if out.Paging.Next == "" || out.Paging.Cursors.After == "" {
			return nil
		}
		after = out.Paging.Cursors.After
	}
	return nil
}
