package web

import (
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// loginView is the login form.
type loginView struct {
	Email string
	Next  string
	CSRF  string
	Error string
}

// safeNext keeps post-login redirects on this site: anything but a plain local path is "/". Browsers drop
// tabs and newlines inside URLs and read "\\" as "/", and a percent-encoded slash becomes one once something
// decodes it, so "/\t/evil.example", "/\\evil" or "/%2F%2Fevil" would all leave the site.
func safeNext(next string) string {
	for i := 0; i < len(next); i++ {
		if b := next[i]; b <= ' ' || b >= 0x7f {
			return "/" // relance's own URLs come escaped
		}
	}
	// Each decoding must stay local too: a proxy or a later redirect may decode once more.
	for s := next; ; {
		if !localPath(s) {
			return "/"
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return "/"
		}
		if d == s {
			return next
		}
		s = d
	}
}

// localPath reports a URL whose path starts with exactly one "/" and holds no control character or "\\", so
// that no browser can read a scheme or a host into it.
func localPath(s string) bool {
	path, _, _ := strings.Cut(s, "?")
	path, _, _ = strings.Cut(path, "#")
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return false
	}
	for i := 0; i < len(path); i++ {
		if b := path[i]; b < ' ' || b == 0x7f || b == '\\' {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil
}

// loginPage shows the login form (GET /login).
func (s *Server) loginPage(c *fiber.Ctx) error {
	if principalOf(c) != nil {
		return c.Redirect(safeNext(c.Query("next")))
	}
	return s.renderPage(c, "login", "Log in", loginView{Next: safeNext(c.Query("next")), CSRF: s.loginCSRF(c)})
}

// login checks the credentials and starts a new session (POST /login).
func (s *Server) login(c *fiber.Ctx) error {
	v := loginView{Email: c.FormValue("email"), Next: safeNext(c.FormValue("next"))}
	if !s.checkLoginCSRF(c) {
		c.Status(fiber.StatusForbidden)
		v.CSRF, v.Error = s.loginCSRF(c), "The form expired. Please try again."
		return s.renderPage(c, "login", "Log in", v)
	}
	u, err := s.Store.Authenticate(c.UserContext(), v.Email, c.FormValue("password"), s.clientIP(c), s.Login)
	switch {
	case errors.Is(err, tenancy.ErrBadCredentials):
		c.Status(fiber.StatusUnauthorized)
		v.Error = "Wrong e-mail or password."
	case errors.Is(err, tenancy.ErrThrottled):
		c.Status(fiber.StatusTooManyRequests)
		v.Error = "Too many attempts. Wait a few minutes and try again."
	case err != nil:
		return err
	}
	if v.Error != "" {
		v.CSRF = s.loginCSRF(c)
		return s.renderPage(c, "login", "Log in", v)
	}
	// A fresh session on every login, and the old one (if any) ended: no session fixation.
	if old := c.Cookies(sessionCookie); old != "" {
		_ = s.Store.DeleteSession(c.UserContext(), old)
	}
	secret, _, err := s.Store.CreateSession(c.UserContext(), u, s.clientIP(c), c.Get(fiber.HeaderUserAgent), s.Sessions)
	if err != nil {
		return err
	}
	s.setSessionCookie(c, secret)
	if u.MustChangePassword {
		return c.Redirect("/account/password", fiber.StatusSeeOther)
	}
	return c.Redirect(v.Next, fiber.StatusSeeOther)
}
