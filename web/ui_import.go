package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"relance/conversations"
	"relance/tenancy"
)

// importView is the result of an uploaded history file.
type importView struct {
	Brand  tenancy.Brand
	File   string
	Result conversations.ImportResult
	Error  string
}

// importHistory stores an uploaded JSON Lines or CSV history file (POST /brands/:brand/conversations/import).
func (s *Server) importHistory(c *fiber.Ctx) error {
	b := brandOf(c)
	v := importView{Brand: b}
	fh, err := c.FormFile("file")
	if err != nil {
		v.Error = "Choose a .jsonl or .csv file to import."
		return s.renderPage(c.Status(fiber.StatusUnprocessableEntity), "conversations/import", "Import history", v)
	}
	v.File = fh.Filename
	format := c.FormValue("format")
	if format == "" {
		format = "jsonl"
		if strings.HasSuffix(strings.ToLower(fh.Filename), ".csv") {
			format = "csv"
		}
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	pages, err := s.tenantStore(c).Pages(c.UserContext(), b.ID)
	if err != nil {
		return err
	}
	ids := make(map[string]bool, len(pages))
	for _, p := range pages {
		ids[p.PageID] = true
	}
	v.Result, err = s.Ingest.Import(c.UserContext(), f, format, ids)
	if fv, ok := asValidation(filterError(err)); ok {
		for k, msg := range fv.Fields {
			v.Error = k + " " + msg
		}
		return s.renderPage(c.Status(fiber.StatusUnprocessableEntity), "conversations/import", "Import history", v)
	}
	if err != nil {
		return err
	}
	if err := s.auditImport(c, format, v.Result); err != nil {
		return err
	}
	return s.renderPage(c, "conversations/import", "Import history", v)
}
