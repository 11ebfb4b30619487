package web

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"relance/audiences"
	"relance/tenancy"
)

// apiAudienceSnapshots answers GET /api/v1/brands/:brand/audiences/:audience/snapshots, newest first.
func (s *Server) apiAudienceSnapshots(c *fiber.Ctx) error {
	list, err := s.audienceStore(c).Snapshots(c.UserContext(), c.Params("audience"))
	if err != nil {
		return err
	}
	return c.JSON(listBody{Data: list})
}

// apiAudienceMembers answers GET /api/v1/brands/:brand/audiences/:audience/members?snapshot=&cursor=&limit=.
func (s *Server) apiAudienceMembers(c *fiber.Ctx) error {
	limit := 50
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			return &tenancy.ValidationError{Fields: map[string]string{"limit": "must be a whole number from 1 to 200"}}
		}
		limit = n
	}
	p, err := s.audienceStore(c).Members(c.UserContext(), c.Params("audience"), c.Query("snapshot"), c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(listBody{Data: p.Members, NextCursor: p.Next})
}

// apiExportAudience answers GET /api/v1/brands/:brand/audiences/:audience/export?snapshot=: the members as
// CSV, streamed. The first page is read before the status is sent, so an unknown audience is still a 404.
func (s *Server) apiExportAudience(c *fiber.Ctx) error {
	st := s.audienceStore(c)
	id, snapID := c.Params("audience"), c.Query("snapshot")
	if _, err := st.Members(c.UserContext(), id, snapID, "", 1); err != nil {
		return err
	}
	ctx := c.UserContext()
	reqID := fmt.Sprint(c.Locals(localRequestID)) // read now: the writer runs after the handler returned
	name := fmt.Sprintf("audience-%s.csv", id)
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		cw := csv.NewWriter(w)
		_ = cw.Write(audiences.ExportColumns)
		err := st.Export(ctx, id, snapID, cw.Write)
		cw.Flush()
		if err != nil {
			// The status is gone; a last line says the file is cut short rather than ending silently.
			// The cause stays in the log: it is the database's wording, not the reader's business.
			_, _ = w.WriteString("# export stopped before the end: internal error, request id " + reqID + "\n")
			s.Log.Error("audience export failed", "audience", id, "err", err, "request_id", reqID)
		}
		_ = w.Flush()
	})
	return nil
}

// apiImportAudience answers POST /api/v1/brands/:brand/audiences/:audience/import: a CSV of PSIDs becomes
// the manual audience's new snapshot; bad lines are listed and left out.
func (s *Server) apiImportAudience(c *fiber.Ctx) error {
	body := rawBody(c)
	if len(bytes.TrimSpace(body)) == 0 {
		return &tenancy.ValidationError{Fields: map[string]string{"file": "is empty: send a CSV with a psid column"}}
	}
	st := s.audienceStore(c)
	res, err := st.Import(c.UserContext(), c.Params("audience"), bytes.NewReader(body))
	if err != nil {
		return err
	}
	if a, err := st.Get(c.UserContext(), c.Params("audience")); err == nil && res.Snapshot != nil {
		s.syncAfterBuild(c, a)
	}
	return c.JSON(res)
}
