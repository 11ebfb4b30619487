package web

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/audiences"
	"relance/campaigns"
	"relance/tenancy"
)

// campaignForm is the create and edit form of a campaign, per kind, with its variant editor. Lists that the
// API takes as arrays of objects are edited as lines ("Title | PAYLOAD"), one per item.
type campaignForm struct {
	Brand                         tenancy.Brand
	ID                            string
	Name, Kind, PageID, AdAccount string
	Objective                     string
	BudgetPeriod, BudgetAmount    string
	StartsAt, EndsAt              string // datetime-local, brand time
	SendCron, Windows             string
	Include, Exclude              map[string]bool
	Countries                     string // "FR, BE"
	Holdout, CapMessages, CapDays string
	Ref                           string
	Variants                      []variantForm
	// Choices.
	Kinds, Objectives []string
	Pages             []tenancy.Page
	AdAccounts        []tenancy.AdAccount
	Audiences         []audiences.Audience
	// Errors are by JSON path; Others are those no field of the form shows beside itself.
	Errors map[string]string
	Others []string
	// CountryError is the first error of targeting.countries or one of its codes.
	CountryError string
}

// variantForm is one variant in the editor.
type variantForm struct {
	Key, Weight, Text, ImageURL     string
	QuickReplies, Buttons, Greeting string
	IceBreakers                     string
	Errors                          []string
}

// localInput is the datetime-local layout.
const localInput = "2006-01-02T15:04"

// campaignNewPage shows the form for a new campaign (GET /brands/:brand/campaigns/new).
func (s *Server) campaignNewPage(c *fiber.Ctx) error {
	kind := c.Query("kind", campaigns.KindSponsoredMessage)
	f := campaignForm{Brand: brandOf(c), Kind: kind, BudgetPeriod: campaigns.PeriodDaily, Holdout: "0",
		Variants: []variantForm{{Key: "A", Weight: "100"}}}
	return s.renderCampaignForm(c, &f, nil)
}

// createCampaign saves a new draft from the form (POST /brands/:brand/campaigns).
func (s *Server) createCampaign(c *fiber.Ctx) error {
	f := readCampaignForm(c, brandOf(c))
	in, errs := f.input()
	in.Kind = &f.Kind
	if len(errs) > 0 {
		return s.renderCampaignForm(c.Status(fiber.StatusUnprocessableEntity), &f, errs)
	}
	cp, err := s.campaignStore(c).Create(c.UserContext(), in)
	if v, ok := asValidation(err); ok {
		return s.renderCampaignForm(c.Status(fiber.StatusUnprocessableEntity), &f, v.Fields)
	}
	if err != nil {
		return err
	}
	s.flash(c, "Campaign "+cp.Name+" saved as a draft.")
	return c.Redirect("/brands/"+f.Brand.ID+"/campaigns/"+cp.ID, fiber.StatusSeeOther)
}

// campaignEditPage shows the form filled with a campaign (GET /brands/:brand/campaigns/:campaign/edit).
func (s *Server) campaignEditPage(c *fiber.Ctx) error {
	cp, err := s.campaignStore(c).Get(c.UserContext(), c.Params("campaign"))
	if err != nil {
		return err
	}
	f := formOf(brandOf(c), cp)
	return s.renderCampaignForm(c, &f, nil)
}

// updateCampaign saves the edit form (POST /brands/:brand/campaigns/:campaign/edit). The store decides
// whether the change is content (approval asked again) or only budget and end date.
func (s *Server) updateCampaign(c *fiber.Ctx) error {
	st := s.campaignStore(c)
	cp, err := st.Get(c.UserContext(), c.Params("campaign"))
	if err != nil {
		return err
	}
	f := readCampaignForm(c, brandOf(c))
	f.ID, f.Kind = cp.ID, cp.Kind
	in, errs := f.input()
	if len(errs) > 0 {
		return s.renderCampaignForm(c.Status(fiber.StatusUnprocessableEntity), &f, errs)
	}
	cp, err = st.Update(c.UserContext(), cp.ID, in)
	if v, ok := asValidation(err); ok {
		return s.renderCampaignForm(c.Status(fiber.StatusUnprocessableEntity), &f, v.Fields)
	}
	if err != nil {
		return err
	}
	cp = s.steerNow(c, st, cp) // budget and end date reach Meta
	msg := "Campaign " + cp.Name + " saved."
	if cp.State == campaigns.StatePendingApproval {
		msg += " It waits for approval."
	}
	s.flash(c, msg)
	return c.Redirect("/brands/"+f.Brand.ID+"/campaigns/"+cp.ID, fiber.StatusSeeOther)
}

// formOf fills the form from a stored campaign, times in the brand's zone.
func formOf(b tenancy.Brand, cp campaigns.Campaign) campaignForm {
	f := campaignForm{Brand: b, ID: cp.ID, Name: cp.Name, Kind: cp.Kind, PageID: cp.PageID, AdAccount: cp.AdAccountID,
		Objective: cp.Objective, SendCron: cp.Schedule.SendCron, Holdout: strconv.Itoa(cp.HoldoutPercent), Ref: cp.Ref,
		Include: set(cp.Audiences.Include), Exclude: set(cp.Audiences.Exclude),
		StartsAt: localTime(cp.StartsAt, b.Timezone), EndsAt: localTime(cp.EndsAt, b.Timezone)}
	if cp.Budget != nil {
		f.BudgetPeriod, f.BudgetAmount = cp.Budget.Period, cp.Budget.Amount
	}
	if !cp.Targeting.Default {
		f.Countries = strings.Join(cp.Targeting.Countries, ", ")
	}
	if !cp.FrequencyCap.Default {
		f.CapMessages, f.CapDays = strconv.Itoa(cp.FrequencyCap.Messages), strconv.Itoa(cp.FrequencyCap.Days)
	}
	var ws []string
	for _, w := range cp.Schedule.Active {
		ws = append(ws, fmt.Sprintf("%s | %d", w.Cron, w.Minutes))
	}
	f.Windows = strings.Join(ws, "\n")
	for _, v := range cp.Variants {
		vf := variantForm{Key: v.Key, Weight: strconv.Itoa(v.Weight), Text: v.Creative.Text, ImageURL: v.Creative.ImageURL}
		var qr, bt, ib []string
		for _, q := range v.Creative.QuickReplies {
			qr = append(qr, q.Title+" | "+q.Payload)
		}
		for _, b := range v.Creative.Buttons {
			bt = append(bt, b.Type+" | "+b.Title+" | "+b.Payload+b.URL)
		}
		if w := v.Creative.Welcome; w != nil {
			vf.Greeting = w.Greeting
			for _, i := range w.IceBreakers {
				ib = append(ib, i.Question+" | "+i.Payload)
			}
		}
		vf.QuickReplies, vf.Buttons, vf.IceBreakers = strings.Join(qr, "\n"), strings.Join(bt, "\n"), strings.Join(ib, "\n")
		f.Variants = append(f.Variants, vf)
	}
	return f
}

func set(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func localTime(t *time.Time, tz string) string {
	if t == nil {
		return ""
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format(localInput)
}

// readCampaignForm copies the posted fields; variant fields repeat once per variant, in order.
func readCampaignForm(c *fiber.Ctx, b tenancy.Brand) campaignForm {
	f := campaignForm{Brand: b, Name: c.FormValue("name"), Kind: c.FormValue("kind"), PageID: c.FormValue("page_id"),
		AdAccount: c.FormValue("ad_account_id"), Objective: c.FormValue("objective"), BudgetPeriod: c.FormValue("budget_period"),
		BudgetAmount: strings.TrimSpace(c.FormValue("budget_amount")), StartsAt: c.FormValue("starts_at"), EndsAt: c.FormValue("ends_at"),
		SendCron: c.FormValue("send_cron"), Windows: c.FormValue("windows"), Holdout: c.FormValue("holdout_percent"),
		CapMessages: c.FormValue("cap_messages"), CapDays: c.FormValue("cap_days"), Ref: c.FormValue("ref"),
		Countries: c.FormValue("countries"), Include: map[string]bool{}, Exclude: map[string]bool{}}
	args := c.Request().PostArgs()
	multi := func(k string) []string {
		var out []string
		for _, v := range args.PeekMulti(k) {
			out = append(out, string(v))
		}
		return out
	}
	for _, id := range multi("include") {
		f.Include[id] = true
	}
	for _, id := range multi("exclude") {
		f.Exclude[id] = true
	}
	keys, weights, texts, images := multi("v_key"), multi("v_weight"), multi("v_text"), multi("v_image_url")
	qrs, buttons, greetings, ibs := multi("v_quick_replies"), multi("v_buttons"), multi("v_greeting"), multi("v_ice_breakers")
	at := func(list []string, i int) string {
		if i < len(list) {
			return list[i]
		}
		return ""
	}
	for i := range keys {
		v := variantForm{Key: strings.TrimSpace(keys[i]), Weight: strings.TrimSpace(at(weights, i)), Text: at(texts, i),
			ImageURL: strings.TrimSpace(at(images, i)), QuickReplies: at(qrs, i), Buttons: at(buttons, i),
			Greeting: at(greetings, i), IceBreakers: at(ibs, i)}
		if v.Key == "" && v.Text == "" && v.QuickReplies == "" && v.Buttons == "" {
			continue // an empty slot the editor left
		}
		f.Variants = append(f.Variants, v)
	}
	return f
}

// input turns the form into the store's input; what cannot even be read (a weight that is not a number, a
// line without its parts) is reported on its JSON path as the API would.
func (f campaignForm) input() (campaigns.Input, map[string]string) {
	errs := map[string]string{}
	num := func(path, s string) int {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			errs[path] = "must be a whole number"
		}
		return n
	}
	loc, err := time.LoadLocation(f.Brand.Timezone)
	if err != nil {
		loc = time.UTC
	}
	when := func(path, s string) *string {
		out := ""
		if s = strings.TrimSpace(s); s != "" {
			t, err := time.ParseInLocation(localInput, s, loc)
			if err != nil {
				errs[path] = "must be a date and time"
			}
			out = t.UTC().Format(time.RFC3339)
		}
		return &out
	}
	in := campaigns.Input{Name: &f.Name, PageID: &f.PageID, AdAccountID: &f.AdAccount, Ref: &f.Ref,
		StartsAt: when("starts_at", f.StartsAt), EndsAt: when("ends_at", f.EndsAt)}
	ads := campaigns.IsAds(f.Kind)
	obj := ""
	if ads {
		obj = f.Objective
	}
	in.Objective = &obj
	if f.BudgetAmount != "" || ads {
		in.Budget = &campaigns.BudgetInput{Period: f.BudgetPeriod, Amount: f.BudgetAmount}
	} else {
		in.Budget = &campaigns.BudgetInput{}
	}
	sc := campaigns.ScheduleInput{}
	if ads {
		for i, line := range lines(f.Windows) {
			parts := splitLine(line)
			if len(parts) != 2 {
				errs[fmt.Sprintf("schedule.active[%d]", i)] = "write a window as: cron | minutes"
				continue
			}
			sc.Active = append(sc.Active, campaigns.Window{Cron: parts[0], Minutes: num(fmt.Sprintf("schedule.active[%d].minutes", i), parts[1])})
		}
	} else {
		sc.SendCron = f.SendCron
	}
	in.Schedule = &sc
	aud := campaigns.Audiences{Include: keysOf(f.Include), Exclude: keysOf(f.Exclude)}
	in.Audiences = &aud
	if ads {
		// Codes are separated by commas or spaces; none is the default.
		tg := campaigns.Targeting{Countries: strings.FieldsFunc(f.Countries, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })}
		in.Targeting = &tg
	}
	h := 0
	if strings.TrimSpace(f.Holdout) != "" {
		h = num("holdout_percent", f.Holdout)
	}
	in.HoldoutPercent = &h
	if strings.TrimSpace(f.CapMessages) == "" && strings.TrimSpace(f.CapDays) == "" {
		in.FrequencyCap = &campaigns.FrequencyCap{Default: true}
	} else {
		in.FrequencyCap = &campaigns.FrequencyCap{Messages: num("frequency_cap.messages", f.CapMessages), Days: num("frequency_cap.days", f.CapDays)}
	}
	vs := make([]campaigns.Variant, 0, len(f.Variants))
	for i, v := range f.Variants {
		p := fmt.Sprintf("variants[%d]", i)
		cr := campaigns.Creative{Text: v.Text, ImageURL: v.ImageURL}
		for j, line := range lines(v.QuickReplies) {
			parts := splitLine(line)
			if len(parts) != 2 {
				errs[fmt.Sprintf("%s.creative.quick_replies[%d]", p, j)] = "write a quick reply as: Title | PAYLOAD"
				continue
			}
			cr.QuickReplies = append(cr.QuickReplies, campaigns.QuickReply{Title: parts[0], Payload: parts[1]})
		}
		for j, line := range lines(v.Buttons) {
			parts := splitLine(line)
			if len(parts) != 3 {
				errs[fmt.Sprintf("%s.creative.buttons[%d]", p, j)] = "write a button as: postback | Title | PAYLOAD, or web_url | Title | https://…"
				continue
			}
			b := campaigns.Button{Type: parts[0], Title: parts[1]}
			if b.Type == "web_url" {
				b.URL = parts[2]
			} else {
				b.Payload = parts[2]
			}
			cr.Buttons = append(cr.Buttons, b)
		}
		if ads && (strings.TrimSpace(v.Greeting) != "" || strings.TrimSpace(v.IceBreakers) != "") {
			w := &campaigns.Welcome{Greeting: v.Greeting, IceBreakers: []campaigns.IceBreaker{}}
			for j, line := range lines(v.IceBreakers) {
				parts := splitLine(line)
				if len(parts) != 2 {
					errs[fmt.Sprintf("%s.creative.welcome.ice_breakers[%d]", p, j)] = "write an ice breaker as: Question | PAYLOAD"
					continue
				}
				w.IceBreakers = append(w.IceBreakers, campaigns.IceBreaker{Question: parts[0], Payload: parts[1]})
			}
			cr.Welcome = w
		}
		vs = append(vs, campaigns.Variant{Key: v.Key, Weight: num(p+".weight", v.Weight), Creative: cr})
	}
	in.Variants = &vs
	return in, errs
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k, on := range m {
		if on {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// lines are the non-blank lines of a text area.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// splitLine splits "a | b | c" on the bar and trims each part.
func splitLine(l string) []string {
	parts := strings.Split(l, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// renderCampaignForm loads the choices (Pages, ad accounts, audiences) and renders the form; errors are
// shown beside their field, or in the variant they belong to, or in a list at the top.
func (s *Server) renderCampaignForm(c *fiber.Ctx, f *campaignForm, errs map[string]string) error {
	ctx := c.UserContext()
	var err error
	if f.Pages, err = s.tenantStore(c).Pages(ctx, f.Brand.ID); err != nil {
		return err
	}
	if f.AdAccounts, err = s.tenantStore(c).AdAccounts(ctx, f.Brand.ID); err != nil {
		return err
	}
	if f.Audiences, err = s.audienceStore(c).List(ctx); err != nil {
		return err
	}
	f.Kinds, f.Objectives = campaigns.Kinds, campaigns.Objectives
	if f.Include == nil {
		f.Include, f.Exclude = map[string]bool{}, map[string]bool{}
	}
	f.Errors = map[string]string{}
	shown := map[string]bool{"name": true, "kind": true, "page_id": true, "ad_account_id": true, "objective": true,
		"budget": true, "budget.period": true, "budget.amount": true, "starts_at": true, "ends_at": true,
		"schedule.send_cron": true, "holdout_percent": true, "ref": true, "audiences.include": true}
	paths := make([]string, 0, len(errs))
	for k := range errs {
		paths = append(paths, k)
	}
	sort.Strings(paths)
	for _, k := range paths {
		msg := errs[k]
		f.Errors[k] = msg
		if i, rest, ok := variantPath(k); ok && i < len(f.Variants) {
			f.Variants[i].Errors = append(f.Variants[i].Errors, rest+" "+msg)
			continue
		}
		if k == "targeting.countries" || strings.HasPrefix(k, "targeting.countries[") {
			if f.CountryError == "" {
				f.CountryError = msg
				if k != "targeting.countries" {
					f.CountryError = k + " " + msg
				}
			}
			continue
		}
		if !shown[k] {
			f.Others = append(f.Others, k+": "+msg)
		}
	}
	title := "New campaign"
	if f.ID != "" {
		title = "Edit " + f.Name
	}
	return s.renderPage(c, "campaigns/form", title, f)
}

// variantPath splits "variants[2].creative.text" into 2 and "creative.text".
func variantPath(p string) (int, string, bool) {
	rest, ok := strings.CutPrefix(p, "variants[")
	if !ok {
		return 0, "", false
	}
	num, rest, ok := strings.Cut(rest, "]")
	i, err := strconv.Atoi(num)
	if !ok || err != nil {
		return 0, "", false
	}
	return i, strings.TrimPrefix(rest, "."), true
}
