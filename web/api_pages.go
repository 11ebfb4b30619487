package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// apiPages answers GET /api/v1/brands/:brand/pages.
func (s *Server) apiPages(c *fiber.Ctx) error {
	rows, err := s.tenantStore(c).Pages(c.UserContext(), brandOf(c).ID)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []tenancy.Page{}
	}
	return c.JSON(listBody{Data: rows})
}

// apiConnectPage answers POST /api/v1/brands/:brand/pages: 201 once Meta confirmed the token is the Page's
// and subscribed relance's app; 422 on the token otherwise, the same whoever holds the Page.
func (s *Server) apiConnectPage(c *fiber.Ctx) error {
	var in tenancy.PageInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := s.connectOwnedPage(c.UserContext(), s.tenantStore(c), brandOf(c).ID, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(struct {
		tenancy.Page
		Webhooks pageWebhooks `json:"webhooks"`
	}{p, pageWebhooks{Subscribed: true}})
}

// pageUnwebhooks says whether relance's app was removed from a disconnected Page's webhooks at Meta.
type pageUnwebhooks struct {
	Unsubscribed bool   `json:"unsubscribed"`
	Error        string `json:"error,omitempty"`
}

// apiDisconnectPage answers DELETE /api/v1/brands/:brand/pages/:page: the Page is disconnected in relance,
// and the answer says whether Meta also removed relance's app from it.
func (s *Server) apiDisconnectPage(c *fiber.Ctx) error {
	p, note, err := s.disconnectPageEverywhere(c.UserContext(), s.tenantStore(c), brandOf(c).ID, c.Params("page"))
	if err != nil {
		return err
	}
	return c.JSON(struct {
		ID       string         `json:"id"`
		PageID   string         `json:"page_id"`
		Webhooks pageUnwebhooks `json:"webhooks"`
	}{p.ID, p.PageID, pageUnwebhooks{Unsubscribed: note == "", Error: note}})
}
