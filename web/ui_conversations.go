package web

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/conversations"
	"relance/conversations/nlp"
	"relance/policy"
	"relance/tenancy"
)

// conversationsView is the Conversations screen: filters, the total, one page of people, "load more".
type conversationsView struct {
	Brand    tenancy.Brand
	Pages    []tenancy.Page
	Contacts []conversations.ContactReach
	Rows     []contactRow
	Total    int64
	// TotalMore says there are more than Total (the count stops at contactCountCap).
	TotalMore bool
	Filter    map[string]string
	Errors    map[string]string
	NextURL   string
	// MoreURL is NextURL for htmx: the next page's rows are appended below these, the scroll kept.
	MoreURL  string
	Chips    []filterChip
	Quick    []filterChip
	Entities []string
	Classes  []string
	PageName map[string]string
	// CanImport shows the history upload form.
	CanImport bool
	// CanSearchText shows the text search box and the last message previews (finance may not read texts).
	CanSearchText bool
}

// contactRow is one person of the list.
type contactRow struct {
	conversations.ContactReach
	Person              person
	PageName            string
	Preview             string
	Reach, Source, Kind string
	When, WhenFull      string
}

// filterChip is a filter shown as a link: an active one (following the link removes it) or a quick one.
type filterChip struct {
	Label, URL string
	On         bool
}

// contactCountCap is where the list's total stops counting ("10000+ people").
const contactCountCap = 10000

// conversationFilters are the query parameters the screen keeps between pages.
var conversationFilters = []string{"page_id", "source", "ad_id", "ref", "entity", "reachability", "owner",
	"active_since", "active_until", "q", "psid", "name"}

// conversationsPage lists a brand's contacts with filters (GET /brands/:brand/conversations); htmx swaps only
// the list when a filter changes, and appends the next page for "load more".
func (s *Server) conversationsPage(c *fiber.Ctx) error {
	if err := s.checkTextSearch(c); err != nil {
		return err
	}
	b := brandOf(c)
	v := conversationsView{Brand: b, Filter: map[string]string{}, Entities: nlp.EntityNames(), Classes: policy.Classes,
		PageName: map[string]string{}}
	for _, k := range conversationFilters {
		v.Filter[k] = c.Query(k)
	}
	p := principalOf(c)
	v.CanImport = s.Store.Authz().Can(p.TenantID, p.User.ID, b.ID, tenancy.PermConversationsWrite)
	v.CanSearchText = s.canReadText(c)
	var err error
	if v.Pages, err = s.tenantStore(c).Pages(c.UserContext(), b.ID); err != nil {
		return err
	}
	for _, p := range v.Pages {
		v.PageName[p.PageID] = p.Name
	}
	appending := c.Query("append") == "1" && c.Get("HX-Request") != ""
	base := "/brands/" + b.ID + "/conversations"
	f, ferr := contactFilter(c)
	if ferr == nil {
		var page conversations.Page
		page, ferr = s.reader(c).Contacts(c.UserContext(), b.Policy, f, c.Query("cursor"), 50)
		ferr = filterError(ferr)
		v.Contacts = page.Contacts
		if ferr == nil && !appending {
			v.Total, v.TotalMore, ferr = s.reader(c).Count(c.UserContext(), b.Policy, f, contactCountCap)
		}
		if page.Next != "" {
			q := v.query()
			q.Set("cursor", page.Next)
			v.NextURL = base + "?" + q.Encode()
			q.Set("append", "1")
			v.MoreURL = base + "?" + q.Encode()
		}
	}
	if fv, ok := asValidation(ferr); ok {
		v.Errors = fv.Fields
		c.Status(fiber.StatusUnprocessableEntity)
	} else if ferr != nil {
		return ferr
	}
	if err := s.contactRows(c, &v); err != nil {
		return err
	}
	v.chips(base)
	s.wantProfiles(c, v.Contacts)
	switch {
	case appending:
		return c.Render("conversations/more", fiber.Map{"D": v})
	case c.Get("HX-Target") == "contact-rows":
		return c.Render("conversations/rows", fiber.Map{"D": v})
	}
	return s.renderPage(c, "conversations/list", b.Name+" · conversations", v)
}

// query is the active filters as URL parameters.
func (v *conversationsView) query() url.Values {
	q := url.Values{}
	for k, val := range v.Filter {
		if val != "" {
			q.Set(k, val)
		}
	}
	return q
}

// contactRows builds the rows: names, previews (only for readers of texts), reachability with its expiry.
func (s *Server) contactRows(c *fiber.Ctx, v *conversationsView) error {
	var last map[string]conversations.LastMessage
	if v.CanSearchText && len(v.Contacts) > 0 {
		list := make([]conversations.Contact, 0, len(v.Contacts))
		for _, x := range v.Contacts {
			list = append(list, x.Contact)
		}
		var err error
		if last, err = s.reader(c).LastMessages(c.UserContext(), list, true); err != nil {
			return err
		}
	}
	loc, now := brandZone(v.Brand.Timezone), time.Now()
	for _, x := range v.Contacts {
		r := contactRow{ContactReach: x, Person: personOf(x.Contact), PageName: v.PageName[x.PageID],
			Reach: reachText(x.Reachability, loc, now)}
		r.Source, r.Kind = sourceBadge(x.Contact)
		if m, ok := last[x.ID]; ok {
			r.Preview = previewOf(m)
		}
		if x.LastInteractionAt != nil {
			r.When, r.WhenFull = tsShort(x.LastInteractionAt, v.Brand.Timezone), tsIn(x.LastInteractionAt, v.Brand.Timezone)
		}
		v.Rows = append(v.Rows, r)
	}
	return nil
}

// chipLabels name the filters on their chips.
var chipLabels = map[string]string{"page_id": "Page", "source": "Source", "ad_id": "Ad", "ref": "Ref", "entity": "Mentioned",
	"reachability": "Reachability", "owner": "Owner", "active_since": "Since", "active_until": "Until", "q": "Text",
	"psid": "PSID", "name": "Name"}

// chips lists the active filters (each chip's link drops it) and the quick filters (each link sets it).
func (v *conversationsView) chips(base string) {
	for _, k := range conversationFilters {
		val := v.Filter[k]
		if val == "" {
			continue
		}
		q := v.query()
		q.Del(k)
		label := val
		if k == "page_id" && v.PageName[val] != "" {
			label = v.PageName[val]
		}
		v.Chips = append(v.Chips, filterChip{Label: chipLabels[k] + ": " + label, URL: base + "?" + q.Encode(), On: true})
	}
	for _, qf := range []struct{ key, val, label string }{
		{"reachability", policy.Free, "free to message"}, {"reachability", policy.HumanAgent, "human agent"},
		{"source", "ADS", "from an ad"}, {"source", "SHORTLINK", "from a link"}, {"source", "organic", "organic"},
		{"owner", "inbox", "in the Page Inbox"},
	} {
		q := v.query()
		on := strings.EqualFold(v.Filter[qf.key], qf.val)
		if on {
			q.Del(qf.key)
		} else {
			q.Set(qf.key, qf.val)
		}
		v.Quick = append(v.Quick, filterChip{Label: qf.label, URL: base + "?" + q.Encode(), On: on})
	}
}
