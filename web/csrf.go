package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"

	"github.com/gofiber/fiber/v2"
)

const (
	csrfField      = "_csrf"
	csrfHeader     = "X-CSRF-Token"
	preLoginCookie = "relance_login"
)

var errCSRF = fiber.NewError(fiber.StatusForbidden, "this form has expired; reload the page and try again")

// checkCSRF compares the form field (or htmx header) with the session's token, stored in the database with
// the session so that any instance can check it.
func (s *Server) checkCSRF(c *fiber.Ctx, p *principal) error {
	got := c.Get(csrfHeader)
	if got == "" {
		got = c.FormValue(csrfField)
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.Session.CSRFToken)) != 1 {
		return errCSRF
	}
	return nil
}

// loginCSRF returns the login form's token: an HMAC of a random nonce kept in a cookie. Before login there is
// no session to store a token in; signing with the shared key keeps it valid on every instance.
func (s *Server) loginCSRF(c *fiber.Ctx) string {
	nonce := c.Cookies(preLoginCookie)
	if len(nonce) < 20 {
		b := make([]byte, 24)
		_, _ = rand.Read(b)
		nonce = base64.RawURLEncoding.EncodeToString(b)
		c.Cookie(&fiber.Cookie{Name: preLoginCookie, Value: nonce, Path: "/login", HTTPOnly: true,
			Secure: s.SecureCookies, SameSite: fiber.CookieSameSiteStrictMode})
	}
	return s.signNonce(nonce)
}

func (s *Server) signNonce(nonce string) string {
	m := hmac.New(sha256.New, s.CSRFKey)
	m.Write([]byte(nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkLoginCSRF verifies the login form's token against its cookie.
func (s *Server) checkLoginCSRF(c *fiber.Ctx) bool {
	nonce := c.Cookies(preLoginCookie)
	got := c.FormValue(csrfField)
	return len(nonce) >= 20 && hmac.Equal([]byte(got), []byte(s.signNonce(nonce)))
}

// constantTimeEqual compares secrets without leaking their common prefix through timing.
func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
