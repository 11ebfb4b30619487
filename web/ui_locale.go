package web

import "github.com/gofiber/fiber/v2"

// setLocale keeps the user's choice of number format in a cookie and returns to the page the selector was
// on (POST /account/locale). A cookie rather than a user column: the choice belongs to the device as much
// as to the person (a French phone, an English laptop), and it needs no migration.
func (s *Server) setLocale(c *fiber.Ctx) error {
	code := c.FormValue("locale")
	if _, ok := locales[code]; !ok {
		return &requestError{Status: fiber.StatusUnprocessableEntity, Message: "locale: must be one of en, fr",
			Fields: map[string]string{"locale": "must be one of en, fr"}}
	}
	c.Cookie(&fiber.Cookie{Name: localeCookie, Value: code, Path: "/", HTTPOnly: true, Secure: s.SecureCookies,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	return c.Redirect(safeNext(c.FormValue("back")), fiber.StatusSeeOther)
}
