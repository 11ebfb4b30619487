package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// pageForm is the form to connect a Page; the token is never echoed back.
type pageForm struct {
	Brand  tenancy.Brand
	PageID string
	Name   string
	Errors map[string]string
}

// pageNewPage shows the connect-a-Page form (GET /brands/:brand/pages/new).
func (s *Server) pageNewPage(c *fiber.Ctx) error {
	return s.renderPage(c, "pages/form", "Connect a Page", pageForm{Brand: brandOf(c)})
}

// connectPage connects a Page (POST /brands/:brand/pages).
func (s *Server) connectPage(c *fiber.Ctx) error {
	b := brandOf(c)
	f := pageForm{Brand: b, PageID: c.FormValue("page_id"), Name: c.FormValue("name")}
	pg, err := s.tenantStore(c).ConnectPage(c.UserContext(), b.ID,
		tenancy.PageInput{PageID: f.PageID, Name: f.Name, AccessToken: c.FormValue("access_token")})
	if v, ok := asValidation(err); ok {
		f.Errors = v.Fields
		return s.renderPage(c.Status(fiber.StatusUnprocessableEntity), "pages/form", "Connect a Page", f)
	}
	if err != nil {
		return err
	}
	if hooks := s.subscribePage(c.UserContext(), pg.PageID, c.FormValue("access_token")); hooks.Error != "" {
		s.flash(c, "Page "+pg.Name+" connected, but Meta refused to send its webhooks to relance ("+hooks.Error+
			"): no message will arrive until the Page is connected again with a token that has pages_messaging.")
	} else {
		s.flash(c, "Page "+pg.Name+" connected.")
	}
	return c.Redirect("/brands/"+b.ID, fiber.StatusSeeOther)
}

// disconnectPage removes a Page (POST /brands/:brand/pages/:page/delete).
func (s *Server) disconnectPage(c *fiber.Ctx) error {
	b := brandOf(c)
	if err := s.tenantStore(c).DisconnectPage(c.UserContext(), b.ID, c.Params("page")); err != nil {
		return err
	}
	s.flash(c, "Page disconnected.")
	return c.Redirect("/brands/"+b.ID, fiber.StatusSeeOther)
}
