package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// pageForm is the form to connect a Page; the token is never echoed back.
type pageForm struct {
	Brand  tenancy.Brand
	PageID string
	Name   string
	Errors map[string]string
	// FacebookLogin offers "Connect with Facebook" (the server can reach Meta's Login dialog).
	FacebookLogin bool
}

// pageNewPage shows the connect-a-Page form (GET /brands/:brand/pages/new).
func (s *Server) pageNewPage(c *fiber.Ctx) error {
	return s.renderPage(c, "pages/form", "Connect a Page", pageForm{Brand: brandOf(c), FacebookLogin: s.facebookLoginOn()})
}

// connectPage connects a Page (POST /brands/:brand/pages) once Meta confirmed the token is the Page's.
func (s *Server) connectPage(c *fiber.Ctx) error {
	b := brandOf(c)
	f := pageForm{Brand: b, PageID: c.FormValue("page_id"), Name: c.FormValue("name"), FacebookLogin: s.facebookLoginOn()}
	pg, err := s.connectOwnedPage(c.UserContext(), s.tenantStore(c), b.ID,
		tenancy.PageInput{PageID: f.PageID, Name: f.Name, AccessToken: c.FormValue("access_token")})
	if v, ok := asValidation(err); ok {
		f.Errors = v.Fields
		return s.renderPage(c.Status(fiber.StatusUnprocessableEntity), "pages/form", "Connect a Page", f)
	}
	if errors.Is(err, tenancy.ErrConflict) {
		f.Errors = map[string]string{"page_id": conflictMessage(err)}
		return s.renderPage(c.Status(fiber.StatusConflict), "pages/form", "Connect a Page", f)
	}
	if err != nil {
		return err
	}
	s.flash(c, "Page "+pg.Name+" connected: Meta confirmed the token and sends its webhooks to relance.")
	return c.Redirect("/brands/"+b.ID, fiber.StatusSeeOther)
}

// disconnectPage removes a Page (POST /brands/:brand/pages/:page/delete) and relance's app from it at Meta.
func (s *Server) disconnectPage(c *fiber.Ctx) error {
	b := brandOf(c)
	p, note, err := s.disconnectPageEverywhere(c.UserContext(), s.tenantStore(c), b.ID, c.Params("page"))
	if err != nil {
		return err
	}
	if note != "" {
		s.flash(c, "Page "+p.Name+" disconnected, but "+note+".")
	} else {
		s.flash(c, "Page "+p.Name+" disconnected; Meta no longer sends its webhooks to relance.")
	}
	return c.Redirect("/brands/"+b.ID, fiber.StatusSeeOther)
}
