package web

import (
	"github.com/gofiber/fiber/v2"
)

// importAudience replaces a manual audience's members with an uploaded CSV of PSIDs and shows the audience
// page with what was imported and the lines left out (POST /brands/:brand/audiences/:audience/import).
func (s *Server) importAudience(c *fiber.Ctx) error {
	v, err := s.loadAudienceView(c)
	if err != nil {
		return err
	}
	fh, err := c.FormFile("file")
	if err != nil {
		v.ImportError = "Choose a .csv file with a psid column."
		return s.renderPage(c.Status(fiber.StatusUnprocessableEntity), "audiences/show", v.Audience.Name, v)
	}
	v.ImportFile = fh.Filename
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := s.audienceStore(c).Import(c.UserContext(), v.Audience.ID, f)
	if fv, ok := asValidation(err); ok {
		for k, msg := range fv.Fields {
			v.ImportError = k + " " + msg + "."
		}
		return s.renderPage(c.Status(fiber.StatusUnprocessableEntity), "audiences/show", v.Audience.Name, v)
	}
	if isConflictErr(err) {
		_, msg, _ := classify(err)
		v.ImportError = msg + "."
		return s.renderPage(c.Status(fiber.StatusConflict), "audiences/show", v.Audience.Name, v)
	}
	if err != nil {
		return err
	}
	if v, err = s.loadAudienceView(c); err != nil {
		return err
	}
	if res.Snapshot != nil {
		s.syncAfterBuild(c, v.Audience)
	}
	v.Import, v.ImportFile = &res, fh.Filename
	return s.renderPage(c, "audiences/show", v.Audience.Name, v)
}
