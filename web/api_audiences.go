package web

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"relance/audiences"
	"relance/tenancy"
)

// apiAudiences answers GET /api/v1/brands/:brand/audiences.
func (s *Server) apiAudiences(c *fiber.Ctx) error {
	list, err := s.audienceStore(c).List(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(listBody{Data: list})
}

// apiCreateAudience answers POST /api/v1/brands/:brand/audiences: 201 with the audience.
func (s *Server) apiCreateAudience(c *fiber.Ctx) error {
	var in audiences.Input
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a, err := s.audienceStore(c).Create(c.UserContext(), in)
	if err != nil {
		return err
	}
	if a.RefreshCron != "" {
		s.reloadSchedules(c.UserContext())
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}

// apiAudience answers GET /api/v1/brands/:brand/audiences/:audience.
func (s *Server) apiAudience(c *fiber.Ctx) error {
	a, err := s.audienceStore(c).Get(c.UserContext(), c.Params("audience"))
	if err != nil {
		return err
	}
	return c.JSON(a)
}

// apiUpdateAudience answers PATCH /api/v1/brands/:brand/audiences/:audience.
func (s *Server) apiUpdateAudience(c *fiber.Ctx) error {
	var in audiences.Input
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a, err := s.audienceStore(c).Update(c.UserContext(), c.Params("audience"), in)
	if err != nil {
		return err
	}
	if in.RefreshCron != nil {
		s.reloadSchedules(c.UserContext())
	}
	return c.JSON(a)
}

// apiDeleteAudience answers DELETE /api/v1/brands/:brand/audiences/:audience: 204, or 409 while another
// audience's rule refers to it.
func (s *Server) apiDeleteAudience(c *fiber.Ctx) error {
	if err := s.audienceStore(c).Delete(c.UserContext(), c.Params("audience")); err != nil {
		return err
	}
	s.reloadSchedules(c.UserContext())
	return c.SendStatus(fiber.StatusNoContent)
}

// previewInput is the body of a preview.
type previewInput struct {
	Rule json.RawMessage `json:"rule"`
}

// apiPreviewAudience answers POST /api/v1/brands/:brand/audiences/preview: what the rule selects now.
func (s *Server) apiPreviewAudience(c *fiber.Ctx) error {
	var in previewInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if len(in.Rule) == 0 || string(in.Rule) == "null" {
		return &tenancy.ValidationError{Fields: map[string]string{"rule": "is required"}}
	}
	p, err := s.audienceStore(c).Preview(c.UserContext(), in.Rule)
	if err != nil {
		return err
	}
	s.wantProfiles(c, p.Sample)
	return c.JSON(p)
}

// apiBuildAudience answers POST /api/v1/brands/:brand/audiences/:audience/build: a new snapshot, now.
func (s *Server) apiBuildAudience(c *fiber.Ctx) error {
	st := s.audienceStore(c)
	snap, err := st.Build(c.UserContext(), c.Params("audience"), audiences.CauseManual)
	if err != nil {
		return err
	}
	if a, err := st.Get(c.UserContext(), snap.AudienceID); err == nil {
		s.syncAfterBuild(c, a)
	}
	return c.JSON(fiber.Map{"snapshot": snap})
}
