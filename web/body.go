package web

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// refuseEncodedBodies answers 415 to a request whose body declares a Content-Encoding. Fiber inflates
// gzip, br and deflate bodies on c.Body() without any limit, so a 1 KB body could allocate gigabytes; no
// client of relance needs a compressed request (Meta sends webhooks uncompressed, browsers post forms
// plainly), so nothing is inflated at all and the body limit measures what is actually used.
func (s *Server) refuseEncodedBodies(c *fiber.Ctx) error {
	enc := strings.TrimSpace(c.Get(fiber.HeaderContentEncoding))
	if enc == "" || strings.EqualFold(enc, "identity") {
		return c.Next()
	}
	return fiber.NewError(fiber.StatusUnsupportedMediaType,
		fmt.Sprintf("Content-Encoding %q is not accepted: send the body uncompressed", clip(enc, 32)))
}

// rawBody is the request body exactly as it came over the wire, never inflated: what Meta signed and
// what the body limit measured. It is fasthttp's buffer, valid only until the handler returns.
func rawBody(c *fiber.Ctx) []byte { return c.Request().Body() }

// clip shortens a value echoed in an error, so that a hostile header cannot fill the answer.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
