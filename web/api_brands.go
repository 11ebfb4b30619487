package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// apiBrands answers GET /api/v1/brands with the brands the caller may see.
func (s *Server) apiBrands(c *fiber.Ctx) error {
	cur, err := cursorOf(c)
	if err != nil {
		return err
	}
	rows, next, err := s.tenantStore(c).Brands(c.UserContext(), s.visibleBrands(c, tenancy.PermBrandsRead), cur)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []tenancy.Brand{}
	}
	return c.JSON(listBody{Data: rows, NextCursor: next})
}

// apiCreateBrand answers POST /api/v1/brands.
func (s *Server) apiCreateBrand(c *fiber.Ctx) error {
	var in tenancy.BrandInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Policy == nil && s.DefaultPolicy != "" {
		in.Policy = &s.DefaultPolicy
	}
	b, err := s.tenantStore(c).CreateBrand(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(b)
}

// apiBrand answers GET /api/v1/brands/:brand.
func (s *Server) apiBrand(c *fiber.Ctx) error {
	return c.JSON(brandOf(c))
}

// apiUpdateBrand answers PATCH /api/v1/brands/:brand.
func (s *Server) apiUpdateBrand(c *fiber.Ctx) error {
	var in tenancy.BrandInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	b, err := s.tenantStore(c).UpdateBrand(c.UserContext(), brandOf(c).ID, in)
	if err != nil {
		return err
	}
	return c.JSON(b)
}

// apiDeleteBrand answers DELETE /api/v1/brands/:brand.
func (s *Server) apiDeleteBrand(c *fiber.Ctx) error {
	if err := s.tenantStore(c).DeleteBrand(c.UserContext(), brandOf(c).ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
