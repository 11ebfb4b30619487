package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// metaAppsView lists the agency's own Meta apps and holds the registration form.
type metaAppsView struct {
	Apps   []tenancy.MetaApp
	Form   tenancy.MetaAppInput
	Errors map[string]string
	Base   string
}

func (s *Server) renderMetaApps(c *fiber.Ctx, v metaAppsView) error {
	var err error
	if v.Apps, err = s.tenantStore(c).MetaApps(c.UserContext()); err != nil {
		return err
	}
	v.Form.AppSecret, v.Form.VerifyToken = "", "" // secrets are never echoed back
	v.Base = c.BaseURL()
	return s.renderPage(c, "metaapps", "Meta apps", v)
}

// metaAppsPage lists registered apps (GET /settings/meta-apps).
func (s *Server) metaAppsPage(c *fiber.Ctx) error { return s.renderMetaApps(c, metaAppsView{}) }

// registerMetaApp registers an app from the form (POST /settings/meta-apps).
func (s *Server) registerMetaApp(c *fiber.Ctx) error {
	in := tenancy.MetaAppInput{AppID: c.FormValue("app_id"), Name: c.FormValue("name"),
		AppSecret: c.FormValue("app_secret"), VerifyToken: c.FormValue("verify_token")}
	_, err := s.tenantStore(c).RegisterMetaApp(c.UserContext(), in)
	if v, ok := asValidation(err); ok {
		return s.renderMetaApps(c.Status(fiber.StatusUnprocessableEntity), metaAppsView{Form: in, Errors: v.Fields})
	}
	if err != nil {
		return err
	}
	s.flash(c, "Meta app "+in.Name+" registered.")
	return c.Redirect("/settings/meta-apps", fiber.StatusSeeOther)
}

// removeMetaApp forgets an app (POST /settings/meta-apps/:app/delete).
func (s *Server) removeMetaApp(c *fiber.Ctx) error {
	if err := s.tenantStore(c).RemoveMetaApp(c.UserContext(), c.Params("app")); err != nil {
		return err
	}
	s.flash(c, "Meta app removed.")
	return c.Redirect("/settings/meta-apps", fiber.StatusSeeOther)
}
