package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// adAccountForm is the form to attach an ad account.
type adAccountForm struct {
	Brand     tenancy.Brand
	AccountID string
	Name      string
	Currency  string
	Timezone  string
	Errors    map[string]string
	Zones     []string
	Currs     []string
}

// adAccountNewPage shows the attach-an-ad-account form (GET /brands/:brand/ad-accounts/new).
func (s *Server) adAccountNewPage(c *fiber.Ctx) error {
	b := brandOf(c)
	return s.renderPage(c, "adaccounts/form", "Attach an ad account",
		adAccountForm{Brand: b, Currency: b.Currency, Timezone: b.Timezone, Zones: commonZones, Currs: commonCurrencies})
}

// addAdAccount attaches an ad account (POST /brands/:brand/ad-accounts).
func (s *Server) addAdAccount(c *fiber.Ctx) error {
	b := brandOf(c)
	f := adAccountForm{Brand: b, AccountID: c.FormValue("account_id"), Name: c.FormValue("name"),
		Currency: c.FormValue("currency"), Timezone: c.FormValue("timezone"), Zones: commonZones, Currs: commonCurrencies}
	a, err := s.tenantStore(c).AddAdAccount(c.UserContext(), b.ID,
		tenancy.AdAccountInput{AccountID: f.AccountID, Name: f.Name, Currency: f.Currency, Timezone: f.Timezone,
			AccessToken: c.FormValue("access_token")})
	if v, ok := asValidation(err); ok {
		f.Errors = v.Fields
		return s.renderPage(c.Status(fiber.StatusUnprocessableEntity), "adaccounts/form", "Attach an ad account", f)
	}
	if err != nil {
		return err
	}
	s.flash(c, "Ad account "+a.AccountID+" attached.")
	return c.Redirect("/brands/"+b.ID, fiber.StatusSeeOther)
}

// removeAdAccount detaches an ad account (POST /brands/:brand/ad-accounts/:account/delete).
func (s *Server) removeAdAccount(c *fiber.Ctx) error {
	b := brandOf(c)
	if err := s.tenantStore(c).RemoveAdAccount(c.UserContext(), b.ID, c.Params("account")); err != nil {
		return err
	}
	s.flash(c, "Ad account detached.")
	return c.Redirect("/brands/"+b.ID, fiber.StatusSeeOther)
}
