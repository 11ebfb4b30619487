package web

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
)

// sandboxDialogPrefix is where relance serves the in-process sandbox's Facebook Login dialog: the browser
// cannot reach a sandbox that has no listener of its own.
const sandboxDialogPrefix = "/sandbox"

// sandboxRoutes serves the sandbox's Login dialog under /sandbox/dialog/oauth when the sandbox runs in this
// process (Deps.SandboxDialog); nothing otherwise. The dialog is the sandbox's, not relance's: it is public,
// as Meta's dialog is to the browser.
func (s *Server) sandboxRoutes() []route {
	if s.SandboxDialog == nil {
		return nil
	}
	h := adaptor.HTTPHandler(http.StripPrefix(sandboxDialogPrefix, s.SandboxDialog))
	return []route{
		{Method: fiber.MethodGet, Path: sandboxDialogPrefix + "/dialog/oauth", Rule: Rule{Scope: Public}, Handler: h},
		{Method: fiber.MethodPost, Path: sandboxDialogPrefix + "/dialog/oauth", Rule: Rule{Scope: Public}, Handler: h},
	}
}
