package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"relance/audiences"
	"relance/tenancy"
)

// audienceForm is the create and edit form of an audience, with its rule builder.
type audienceForm struct {
	Brand       tenancy.Brand
	ID          string
	Name        string
	Kind        string
	Rule        string
	RefreshCron string
	AdAccountID string
	AdAccounts  []tenancy.AdAccount
	// Errors are the form's own fields; RuleErrors (by path, "rule.all[2].op") go to the builder's script.
	Errors     map[string]string
	RuleErrors string
	// Meta is the builder's JSON description of fields, ops and the values it offers.
	Meta string
}

// emptyRule is where a new rule starts: a group that keeps every contact until conditions are added.
const emptyRule = `{"all":[]}`

// audienceNewPage shows the builder for a new audience (GET /brands/:brand/audiences/new).
func (s *Server) audienceNewPage(c *fiber.Ctx) error {
	f := audienceForm{Brand: brandOf(c), Kind: audiences.KindRule, Rule: emptyRule}
	return s.renderAudienceForm(c, &f, nil)
}

// createAudience saves a new audience from the form (POST /brands/:brand/audiences).
func (s *Server) createAudience(c *fiber.Ctx) error {
	f := readAudienceForm(c, audienceForm{Brand: brandOf(c), Kind: c.FormValue("kind")})
	if f.Kind == "" {
		f.Kind = audiences.KindRule
	}
	if fe := ruleFieldErrors(f); fe != nil {
		return s.renderAudienceForm(c.Status(fiber.StatusUnprocessableEntity), &f, fe)
	}
	in := f.input()
	in.Kind = &f.Kind
	a, err := s.audienceStore(c).Create(c.UserContext(), in)
	if v, ok := asValidation(err); ok {
		return s.renderAudienceForm(c.Status(fiber.StatusUnprocessableEntity), &f, v.Fields)
	}
	if err != nil {
		return err
	}
	if a.RefreshCron != "" {
		s.reloadSchedules(c.UserContext())
	}
	s.flash(c, "Audience "+a.Name+" created.")
	return c.Redirect("/brands/"+f.Brand.ID+"/audiences/"+a.ID, fiber.StatusSeeOther)
}

// audienceEditPage shows the builder filled with an audience (GET /brands/:brand/audiences/:audience/edit).
func (s *Server) audienceEditPage(c *fiber.Ctx) error {
	a, err := s.audienceStore(c).Get(c.UserContext(), c.Params("audience"))
	if err != nil {
		return err
	}
	f := audienceForm{Brand: brandOf(c), ID: a.ID, Name: a.Name, Kind: a.Kind, Rule: string(a.Rule),
		RefreshCron: a.RefreshCron, AdAccountID: a.AdAccountID}
	return s.renderAudienceForm(c, &f, nil)
}

// updateAudience saves the edit form (POST /brands/:brand/audiences/:audience/edit); a changed rule gets a
// new rule version.
func (s *Server) updateAudience(c *fiber.Ctx) error {
	st := s.audienceStore(c)
	a, err := st.Get(c.UserContext(), c.Params("audience"))
	if err != nil {
		return err
	}
	f := readAudienceForm(c, audienceForm{Brand: brandOf(c), ID: a.ID, Kind: a.Kind})
	if fe := ruleFieldErrors(f); fe != nil {
		return s.renderAudienceForm(c.Status(fiber.StatusUnprocessableEntity), &f, fe)
	}
	a, err = st.Update(c.UserContext(), a.ID, f.input())
	if v, ok := asValidation(err); ok {
		return s.renderAudienceForm(c.Status(fiber.StatusUnprocessableEntity), &f, v.Fields)
	}
	if err != nil {
		return err
	}
	s.reloadSchedules(c.UserContext())
	s.flash(c, "Audience "+a.Name+" saved.")
	return c.Redirect("/brands/"+f.Brand.ID+"/audiences/"+a.ID, fiber.StatusSeeOther)
}

// readAudienceForm copies the posted fields onto f.
func readAudienceForm(c *fiber.Ctx, f audienceForm) audienceForm {
	f.Name, f.Rule = c.FormValue("name"), strings.TrimSpace(c.FormValue("rule"))
	f.RefreshCron, f.AdAccountID = c.FormValue("refresh_cron"), c.FormValue("ad_account_id")
	return f
}

// ruleFieldErrors holds the form's rule to the API's JSON rules (no duplicate key), naming the node at
// fault; nil when the rule passes them (the store then checks its meaning).
func ruleFieldErrors(f audienceForm) map[string]string {
	if f.Kind == audiences.KindManual || !strings.HasPrefix(f.Rule, "{") {
		return nil // no rule, or not an object: the store says what is wrong
	}
	// A null inside the rule (a cleared number in the builder) is the rule checker's to explain.
	err := checkJSONAt([]byte(f.Rule), "rule", func([]string) bool { return true })
	var v *tenancy.ValidationError
	var re *requestError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &v):
		return v.Fields
	case errors.As(err, &re) && re.Fields != nil:
		return re.Fields
	}
	_, msg, _ := classify(err)
	return map[string]string{"rule": msg}
}

// input is the store's input for the form; a manual audience has neither rule nor refresh schedule.
func (f audienceForm) input() audiences.Input {
	in := audiences.Input{Name: &f.Name, AdAccountID: &f.AdAccountID}
	if f.Kind != audiences.KindManual {
		in.RefreshCron = &f.RefreshCron
		if f.Rule != "" {
			in.Rule = []byte(f.Rule)
		}
	}
	return in
}

// renderAudienceForm loads what the builder offers (Pages, ad accounts, other audiences) and renders the
// form; errs are split between the form's fields and the rule's paths.
func (s *Server) renderAudienceForm(c *fiber.Ctx, f *audienceForm, errs map[string]string) error {
	ctx := c.UserContext()
	pages, err := s.tenantStore(c).Pages(ctx, f.Brand.ID)
	if err != nil {
		return err
	}
	if f.AdAccounts, err = s.tenantStore(c).AdAccounts(ctx, f.Brand.ID); err != nil {
		return err
	}
	all, err := s.audienceStore(c).List(ctx)
	if err != nil {
		return err
	}
	others := make([]audiences.Audience, 0, len(all))
	for _, a := range all {
		if a.ID != f.ID {
			others = append(others, a)
		}
	}
	f.Meta = jsonAttr(newBuilderMeta(f.Brand, pages, others, !s.canReadText(c)))
	f.Errors = map[string]string{}
	ruleErrs := map[string]string{}
	for k, msg := range errs {
		if k == "rule" || strings.HasPrefix(k, "rule.") {
			ruleErrs[k] = msg
		} else {
			f.Errors[k] = msg
		}
	}
	f.RuleErrors = jsonAttr(ruleErrs)
	title := "New audience"
	if f.ID != "" {
		title = "Edit " + f.Name
	}
	return s.renderPage(c, "audiences/form", title, f)
}
