package meta

import (
	"context"
	"net/url"
	"strings"
)

// MessengerFields are the Page webhook fields relance subscribes its app to: everything conversations
// stores (reference §1.2).
var MessengerFields = []string{"messages", "messaging_postbacks", "messaging_optins", "messaging_referrals",
	"message_deliveries", "message_reads", "message_echoes", "messaging_handovers", "standby"}

// SubscribedApp is one app subscribed to a Page's webhooks.
type SubscribedApp struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	SubscribedFields []string `json:"subscribed_fields"`
}

// SubscribeApp subscribes the token's app to the Page's webhook fields (POST /{page}/subscribed_apps):
// without it Meta sends nothing for the Page.
func (c *Client) SubscribeApp(ctx context.Context, pageID, token string, fields []string) error {
	q := url.Values{"subscribed_fields": {strings.Join(fields, ",")}}
	var out struct {
		Success bool `json:"success"`
	}
	return c.call(ctx, request{method: "POST", path: pageID + "/subscribed_apps", token: token, query: q}, &out)
}

// SubscribedApps lists the apps subscribed to the Page (GET /{page}/subscribed_apps).
func (c *Client) SubscribedApps(ctx context.Context, pageID, token string) ([]SubscribedApp, error) {
	var out struct {
		Data []SubscribedApp `json:"data"`
	}
	err := c.call(ctx, request{method: "GET", path: pageID + "/subscribed_apps", token: token}, &out)
	return out.Data, err
}

// UnsubscribeApp removes the token's app from the Page's webhooks (DELETE /{page}/subscribed_apps).
func (c *Client) UnsubscribeApp(ctx context.Context, pageID, token string) error {
	return c.call(ctx, request{method: "DELETE", path: pageID + "/subscribed_apps", token: token}, nil)
}

// PageIdentity is what a Page token says about itself (GET /me?fields=id,name): a Page token's /me is the
// Page it was issued for, so relance compares the id with the Page a user claims before connecting it.
type PageIdentity struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Me asks Meta whom the token speaks for (GET /me?fields=id,name), the token in the Authorization header.
func (c *Client) Me(ctx context.Context, token string) (PageIdentity, error) {
	var out PageIdentity
	err := c.call(ctx, request{method: "GET", path: "me", token: token, query: url.Values{"fields": {"id,name"}}}, &out)
	return out, err
}
