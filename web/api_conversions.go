package web

import (
	"bytes"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"relance/attribution"
	"relance/tenancy"
)

// conversionStore is the conversions of the route's brand.
func (s *Server) conversionStore(c *fiber.Ctx) *attribution.Store {
	return attribution.NewStore(s.DB, principalOf(c).TenantID, brandOf(c), nil)
}

// apiConversions answers GET /api/v1/brands/:brand/conversions, newest first.
func (s *Server) apiConversions(c *fiber.Ctx) error {
	cur, err := cursorOf(c)
	if err != nil {
		return err
	}
	rows, next, err := s.conversionStore(c).List(c.UserContext(), cur)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []attribution.Conversion{}
	}
	return c.JSON(listBody{Data: rows, NextCursor: next})
}

// apiConversion answers GET /api/v1/brands/:brand/conversions/:conversion?model=&window=: the conversion with
// its touches and their credit under the model and window chosen (last_touch, 7 days by default).
func (s *Server) apiConversion(c *fiber.Ctx) error {
	choice, err := attribution.ParseChoice(c.Query("model"), c.Query("window"))
	if err != nil {
		return err
	}
	conv, err := s.conversionStore(c).Detail(c.UserContext(), c.Params("conversion"), choice)
	if err != nil {
		return err
	}
	return c.JSON(conv)
}

// apiCreateConversion answers POST /api/v1/brands/:brand/conversions: 201 for a new conversion, 200 with the
// stored one when its external_id was already reported.
func (s *Server) apiCreateConversion(c *fiber.Ctx) error {
	var in attribution.ConversionInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	conv, created, err := s.conversionStore(c).Create(c.UserContext(), in)
	if err != nil {
		return err
	}
	if created {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(conv)
}

// apiImportConversions answers POST /api/v1/brands/:brand/conversions/import: CSV with the header
// external_id,page_id,psid,type,amount,currency,occurred_at, stored all or none, audited.
func (s *Server) apiImportConversions(c *fiber.Ctx) error {
	res, err := s.conversionStore(c).Import(c.UserContext(), bytes.NewReader(rawBody(c)))
	if err != nil {
		return err
	}
	b := brandOf(c)
	if err := s.tenantStore(c).Record(c.UserContext(), tenancy.AuditEntry{BrandID: b.ID, Action: tenancy.ActionConversionsImport,
		ObjectType: "brand", ObjectID: b.ID, Summary: fmt.Sprintf("conversions CSV: %d rows, %d new, %d duplicates", res.Rows, res.Created, res.Duplicates)}); err != nil {
		return err
	}
	return c.JSON(res)
}
