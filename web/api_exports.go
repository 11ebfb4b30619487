package web

import (
	"bufio"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"relance/reports"
)

// exportsOf is the caller's agency's scheduled exports.
func (s *Server) exportsOf(c *fiber.Ctx) *reports.Exports {
	return reports.NewExports(s.DB, principalOf(c).TenantID, nil)
}

// apiCreateExport answers POST /api/v1/exports {name, cron, format, keep, params}: a scheduled export of the
// spend ledger, run on its cron in the agency's zone; 201 with the schedule.
func (s *Server) apiCreateExport(c *fiber.Ctx) error {
	var in reports.ScheduleInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	set, err := s.tenantStore(c).AgencySettings(c.UserContext())
	if err != nil {
		return err
	}
	v, err := s.exportsOf(c).Create(c.UserContext(), in, set.TimeZone, set.ReportingCurrency)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

// apiExports answers GET /api/v1/exports: the scheduled exports with their kept files.
func (s *Server) apiExports(c *fiber.Ctx) error {
	list, err := s.exportsOf(c).List(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(listBody{Data: list})
}

// apiExport answers GET /api/v1/exports/:export.
func (s *Server) apiExport(c *fiber.Ctx) error {
	v, err := s.exportsOf(c).Get(c.UserContext(), c.Params("export"))
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// apiDeleteExport answers DELETE /api/v1/exports/:export: the schedule and its files go.
func (s *Server) apiDeleteExport(c *fiber.Ctx) error {
	if err := s.exportsOf(c).Delete(c.UserContext(), c.Params("export")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// apiExportFile answers GET /api/v1/exports/:export/files/:file: a kept file, streamed from its chunks.
func (s *Server) apiExportFile(c *fiber.Ctx) error {
	ex, id, fileID := s.exportsOf(c), c.Params("export"), c.Params("file")
	f, err := ex.File(c.UserContext(), id, fileID)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	reqID := fmt.Sprint(c.Locals(localRequestID)) // read now: the writer runs after the handler returned
	c.Set(fiber.HeaderContentType, contentTypes[f.Format])
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+f.Name+`"`)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if err := ex.Download(ctx, id, fileID, w); err != nil {
			s.Log.Error("export download failed", "file", fileID, "err", err, "request_id", reqID)
		}
		_ = w.Flush()
	})
	return nil
}
