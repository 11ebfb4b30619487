package web

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"relance/conversations"
	"relance/tenancy"
)

// apiImport answers POST /api/v1/brands/:brand/conversations/import: history as JSON Lines
// (Content-Type application/x-ndjson or ?format=jsonl) or CSV (text/csv or ?format=csv). Good lines are
// stored, bad ones listed with their numbers; importing the same file again stores nothing twice.
func (s *Server) apiImport(c *fiber.Ctx) error {
	format := c.Query("format")
	if format == "" {
		switch ct := strings.ToLower(c.Get(fiber.HeaderContentType)); {
		case strings.Contains(ct, "csv"):
			format = "csv"
		default:
			format = "jsonl"
		}
	}
	pages, err := s.tenantStore(c).Pages(c.UserContext(), brandOf(c).ID)
	if err != nil {
		return err
	}
	ids := make(map[string]bool, len(pages))
	for _, p := range pages {
		ids[p.PageID] = true
	}
	res, err := s.Ingest.Import(c.UserContext(), bytes.NewReader(rawBody(c)), format, ids)
	if err != nil {
		return filterError(err)
	}
	if err := s.auditImport(c, format, res); err != nil {
		return err
	}
	return c.JSON(res)
}

// auditImport records a history import with its counts once the ingester has stored it.
func (s *Server) auditImport(c *fiber.Ctx, format string, res conversations.ImportResult) error {
	b := brandOf(c)
	return s.tenantStore(c).Record(c.UserContext(), tenancy.AuditEntry{BrandID: b.ID, Action: tenancy.ActionConversationsImport,
		ObjectType: "brand", ObjectID: b.ID, Summary: fmt.Sprintf("%s file: %d imported, %d duplicates, %d bad lines",
			format, res.Imported, res.Duplicates, len(res.Errors))})
}
