package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

const sessionCookie = "relance_session"

// recoverPanics turns a panic into a 500 with the stack in the log, never a dropped connection.
func (s *Server) recoverPanics(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.Log.Error("panic", "err", r, "path", logPath(c), "request_id", c.Locals(localRequestID), "stack", string(debug.Stack()))
			err = fmt.Errorf("web: panic: %v", r)
		}
	}()
	return c.Next()
}

const localRequestID = "request_id"

var requestIDRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID keeps a sane incoming X-Request-ID (from a load balancer) or makes one.
func (s *Server) requestID(c *fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if !requestIDRe.MatchString(id) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Locals(localRequestID, id)
	c.Set(fiber.HeaderXRequestID, id)
	return c.Next()
}

// observe logs each request and feeds the request metrics.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	took := time.Since(start)
	pattern := c.Route().Path
	if _, ok := s.ruleFor(c.Route().Method, pattern); !ok {
		pattern = "unmatched"
	}
	s.metrics.observe(c.Method(), pattern, status, took)
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case pattern == "/livez" || pattern == "/readyz" || pattern == "/metrics" || strings.HasPrefix(pattern, "/static/"):
		level = slog.LevelDebug
	}
	attrs := []any{"method", c.Method(), "path", logPath(c), "status", status, "ms", took.Milliseconds(),
		"request_id", c.Locals(localRequestID)}
	if p := principalOf(c); p != nil {
		attrs = append(attrs, "user", p.User.ID)
	}
	s.Log.Log(c.UserContext(), level, "request", attrs...)
	return nil
}

// logPath is the request path as logs show it: a password-reset link's secret is cut off, since whoever
// reads the logs could otherwise use it.
func logPath(c *fiber.Ctx) string {
	if strings.HasPrefix(c.Path(), "/password-reset/") {
		return "/password-reset/…"
	}
	return c.Path()
}

// contentSecurityPolicy allows only relance's own scripts and styles: no inline code, no CDN.
// img-src lets in Meta's CDNs: the User Profile API's profile_pic addresses are there.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https://*.fbsbx.com https://*.fbcdn.net; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", contentSecurityPolicy)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.SecureCookies {
		c.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if !strings.HasPrefix(c.Path(), "/static/") {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return c.Next()
}

// authenticate identifies the caller from a bearer token (API) or the session cookie (UI) and puts the actor
// in the request context for the audit log. A bad token is a 401 at once; a stale cookie is dropped.
func (s *Server) authenticate(c *fiber.Ctx) error {
	if isMetricsPath(c.Path()) {
		return c.Next() // the metrics token is not an API token: metricsPage checks it
	}
	ctx := c.UserContext()
	actor := tenancy.Actor{Label: "anonymous", IP: s.clientIP(c), RequestID: fmt.Sprint(c.Locals(localRequestID))}
	var p *principal
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return fiber.NewError(fiber.StatusUnauthorized, "Authorization must be: Bearer <token>")
		}
		tok, u, err := s.Store.LookupToken(ctx, strings.TrimSpace(secret))
		if errors.Is(err, tenancy.ErrSessionExpired) {
			return fiber.NewError(fiber.StatusUnauthorized, "the API token is unknown or revoked")
		}
		if err != nil {
			return err
		}
		p = &principal{User: u, TenantID: u.TenantID, Token: &tok}
	} else if secret := c.Cookies(sessionCookie); secret != "" {
		sess, u, err := s.Store.LookupSession(ctx, secret, s.Sessions)
		switch {
		case errors.Is(err, tenancy.ErrSessionExpired):
			s.clearSessionCookie(c)
		case err != nil:
			return err
		default:
			p = &principal{User: u, TenantID: u.TenantID, Session: &sess}
		}
	}
	if p != nil {
		c.Locals(localPrincipal, p)
		actor.UserID, actor.Label = p.User.ID, p.User.Email
	}
	c.SetUserContext(tenancy.WithActor(ctx, actor))
	return c.Next()
}

// setSessionCookie hands the browser its session secret.
func (s *Server) setSessionCookie(c *fiber.Ctx, secret string) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: secret, Path: "/", HTTPOnly: true, Secure: s.SecureCookies,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: int(s.Sessions.Absolute.Seconds())})
}

// clearSessionCookie removes the session cookie.
func (s *Server) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", HTTPOnly: true, Secure: s.SecureCookies,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: -1, Expires: time.Unix(0, 0)})
}
