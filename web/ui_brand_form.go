package web

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"relance/tenancy"
)

// brandForm is the create and edit form for a brand.
type brandForm struct {
	ID       string
	Name     string
	Currency string
	Timezone string
	Policy   string
	// Settings are the campaign settings, edited with an existing brand.
	Settings tenancy.EffectiveSettings
	// FeePercent is the percentage fee as typed, or as stored in percent.
	FeePercent string
	// PayloadRules are the purchase payload rules as the form's text.
	PayloadRules string
	Errors       map[string]string
	Zones        []string
	Currs        []string
}

// commonZones and commonCurrencies fill the form's suggestions; any valid IANA zone or ISO code is accepted.
var (
	commonZones = []string{"UTC", "Europe/Paris", "Europe/London", "Europe/Berlin", "Europe/Madrid", "Europe/Rome",
		"Europe/Amsterdam", "Europe/Brussels", "Europe/Lisbon", "Europe/Warsaw", "Europe/Istanbul", "Africa/Casablanca",
		"Africa/Lagos", "Africa/Johannesburg", "Asia/Dubai", "Asia/Kolkata", "Asia/Bangkok", "Asia/Jakarta",
		"Asia/Manila", "Asia/Singapore", "Asia/Ho_Chi_Minh", "Asia/Tokyo", "Asia/Seoul", "Australia/Sydney",
		"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Mexico_City",
		"America/Bogota", "America/Sao_Paulo", "America/Argentina/Buenos_Aires"}
	commonCurrencies = []string{"EUR", "USD", "GBP", "CHF", "JPY", "KRW", "THB", "IDR", "PHP", "VND", "INR", "AUD",
		"CAD", "MXN", "BRL", "COP", "CLP", "MAD", "NGN", "ZAR", "AED", "TRY", "PLN", "BHD"}
)

func newBrandForm(b tenancy.Brand) brandForm {
	e := b.Settings.Effective()
	return brandForm{ID: b.ID, Name: b.Name, Currency: b.Currency, Timezone: b.Timezone, Policy: b.Policy,
		Settings: e, FeePercent: bpToPercent(e.Fees.PercentBP), Zones: commonZones, Currs: commonCurrencies,
		PayloadRules: payloadRulesText(e.ConversionRules.PurchasePayloads)}
}

// percentToBP reads a percentage with at most two decimals ("12.5") as basis points (1250); -1 when it is
// not one, which the store refuses naming the field. Empty is 0.
func percentToBP(s string) int {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if s == "" {
		return 0
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || whole == "" || strings.Trim(whole+frac, "0123456789") != "" || len(whole) > 5 {
		return -1
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.Atoi(whole + frac)
	if err != nil {
		return -1
	}
	return n
}

// bpToPercent writes basis points as a percentage ("12.5").
func bpToPercent(bp int) string {
	s := strconv.Itoa(bp/100) + "." + fmt.Sprintf("%02d", bp%100)
	return strings.TrimSuffix(strings.TrimSuffix(s, "0"), ".0")
}

// formBrandInput reads the brand form.
func formBrandInput(c *fiber.Ctx) (tenancy.BrandInput, brandForm) {
	f := newBrandForm(tenancy.Brand{Name: c.FormValue("name"), Currency: c.FormValue("currency"),
		Timezone: c.FormValue("timezone"), Policy: c.FormValue("policy")})
	in := tenancy.BrandInput{Name: &f.Name, Currency: &f.Currency, Timezone: &f.Timezone, Policy: &f.Policy}
	if c.FormValue("settings") == "1" {
		approval := c.FormValue("approval_required") == "on"
		msgs, _ := strconv.Atoi(c.FormValue("cap_messages"))
		days, _ := strconv.Atoi(c.FormValue("cap_days"))
		in.Settings = &tenancy.SettingsInput{ApprovalRequired: &approval,
			QuietHours:   &tenancy.QuietHours{From: c.FormValue("quiet_from"), To: c.FormValue("quiet_to")},
			FrequencyCap: &tenancy.FrequencyCap{Messages: msgs, Days: days}}
		bp := percentToBP(c.FormValue("fee_percent"))
		monthly := tenancy.FeeAmount{Amount: strings.TrimSpace(c.FormValue("fee_monthly"))}
		if monthly.Amount == "" {
			monthly.Amount = "0"
		}
		in.Settings.Fees = &tenancy.FeesInput{PercentBP: &bp, Monthly: &monthly}
		capi := c.FormValue("capi_forwarding") == "on"
		in.Settings.CAPIForwarding = &capi
		// Hours left empty (a form from before these fields) keep what is set; anything else is validated.
		gap, reply := tenancy.DefaultConversationGapHours, tenancy.DefaultReplyWindowHours
		if v := strings.TrimSpace(c.FormValue("conversation_gap_hours")); v != "" {
			gap, _ = strconv.Atoi(v)
			in.Settings.ConversationGap = &gap
		}
		if v := strings.TrimSpace(c.FormValue("reply_window_hours")); v != "" {
			reply, _ = strconv.Atoi(v)
			in.Settings.ReplyWindow = &reply
		}
		f.Settings = tenancy.EffectiveSettings{ApprovalRequired: approval, QuietHours: *in.Settings.QuietHours,
			FrequencyCap: *in.Settings.FrequencyCap, Fees: tenancy.Fees{PercentBP: bp, Monthly: monthly}, CAPIForwarding: capi,
			ConversationGapHours: gap, ReplyWindowHours: reply}
		f.FeePercent = c.FormValue("fee_percent")
		// Test contacts: contact ids, one a line (commas and spaces separate too).
		tests := strings.FieldsFunc(c.FormValue("test_contacts"), func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
		in.Settings.TestContacts, f.Settings.TestContacts = &tests, tests
		formConversionRules(c, in.Settings, &f)
	}
	return in, f
}

// brandFormErrors shows an error on one of the test contacts (settings.test_contacts[i]) at the list's field.
func brandFormErrors(fields map[string]string) map[string]string {
	for k, v := range fields {
		if i, ok := strings.CutPrefix(k, "settings.test_contacts["); ok {
			fields["settings.test_contacts"] = "line " + strings.TrimSuffix(i, "]") + " (from 0) " + v
		}
		payloadRuleError(fields, k, v)
	}
	return fields
}

// brandNewPage shows the empty brand form (GET /brands/new).
func (s *Server) brandNewPage(c *fiber.Ctx) error {
	f := newBrandForm(tenancy.Brand{Currency: s.DefaultCurrency, Timezone: s.DefaultTimezone, Policy: s.DefaultPolicy})
	return s.renderPage(c, "brands/form", "New brand", f)
}

// createBrand creates a brand from the form (POST /brands).
func (s *Server) createBrand(c *fiber.Ctx) error {
	in, f := formBrandInput(c)
	b, err := s.tenantStore(c).CreateBrand(c.UserContext(), in)
	if v, ok := asValidation(err); ok {
		f.Errors = brandFormErrors(v.Fields)
		return s.renderPage(c.Status(fiber.StatusUnprocessableEntity), "brands/form", "New brand", f)
	}
	if err != nil {
		return err
	}
	s.flash(c, "Brand "+b.Name+" created. Connect its Facebook Pages next.")
	return c.Redirect("/brands/"+b.ID, fiber.StatusSeeOther)
}

// brandEditPage shows the brand form filled in (GET /brands/:brand/edit).
func (s *Server) brandEditPage(c *fiber.Ctx) error {
	return s.renderPage(c, "brands/form", "Edit "+brandOf(c).Name, newBrandForm(brandOf(c)))
}

// updateBrand saves the brand form (POST /brands/:brand/edit).
func (s *Server) updateBrand(c *fiber.Ctx) error {
	in, f := formBrandInput(c)
	f.ID = brandOf(c).ID
	b, err := s.tenantStore(c).UpdateBrand(c.UserContext(), f.ID, in)
	if v, ok := asValidation(err); ok {
		f.Errors = brandFormErrors(v.Fields)
		return s.renderPage(c.Status(fiber.StatusUnprocessableEntity), "brands/form", "Edit "+brandOf(c).Name, f)
	}
	if err != nil {
		return err
	}
	s.flash(c, "Brand "+b.Name+" saved.")
	return c.Redirect("/brands/"+b.ID, fiber.StatusSeeOther)
}
