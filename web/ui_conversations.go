package web

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/conversations"
	"relance/conversations/nlp"
	"relance/policy"
	"relance/tenancy"
)

// conversationsView is the Conversations screen: filters, one page of contacts, the link to the next page.
type conversationsView struct {
	Brand    tenancy.Brand
	Pages    []tenancy.Page
	Contacts []conversations.ContactReach
	Filter   map[string]string
	Errors   map[string]string
	NextURL  string
	Entities []string
	Classes  []string
	PageName map[string]string
	// CanImport shows the history upload form.
	CanImport bool
	// CanSearchText shows the text search box (finance may not search message texts).
	CanSearchText bool
}

// conversationFilters are the query parameters the screen keeps between pages.
var conversationFilters = []string{"page_id", "source", "ad_id", "ref", "entity", "reachability", "owner",
	"active_since", "active_until", "q", "psid"}

// conversationsPage lists a brand's contacts with filters (GET /brands/:brand/conversations); htmx swaps only
// the table when a filter changes.
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
	f, ferr := contactFilter(c)
	if ferr == nil {
		var page conversations.Page
		page, ferr = s.reader(c).Contacts(c.UserContext(), b.Policy, f, c.Query("cursor"), 50)
		ferr = filterError(ferr)
		v.Contacts = page.Contacts
		if page.Next != "" {
			q := url.Values{}
			for k, val := range v.Filter {
				if val != "" {
					q.Set(k, val)
				}
			}
			q.Set("cursor", page.Next)
			v.NextURL = "/brands/" + b.ID + "/conversations?" + q.Encode()
		}
	}
	if fv, ok := asValidation(ferr); ok {
		v.Errors = fv.Fields
		c.Status(fiber.StatusUnprocessableEntity)
	} else if ferr != nil {
		return ferr
	}
	if c.Get("HX-Target") == "contact-rows" {
		return c.Render("conversations/rows", fiber.Map{"D": v})
	}
	return s.renderPage(c, "conversations/list", b.Name+" · conversations", v)
}

// threadView is one conversation.
type threadView struct {
	Brand    tenancy.Brand
	Thread   conversations.Thread
	Reach    policy.Reach
	Items    []threadItem
	CanText  bool
	PageName string
}

// threadItem is a message or an event, merged in time order for the timeline.
type threadItem struct {
	At      time.Time
	Message *conversations.Message
	Event   *conversations.ThreadEvent
}

// threadPage shows one contact's conversation (GET /brands/:brand/conversations/:contact).
func (s *Server) threadPage(c *fiber.Ctx) error {
	b := brandOf(c)
	t, err := s.reader(c).Thread(c.UserContext(), c.Params("contact"), 500)
	if err != nil {
		if isNotFoundErr(err) {
			return fiber.NewError(fiber.StatusNotFound, "no such contact")
		}
		return err
	}
	v := threadView{Brand: b, CanText: s.canReadText(c), Reach: t.Reach(b.Policy, time.Now())}
	if !v.CanText {
		t.Redact()
	}
	v.Thread = t
	pages, err := s.tenantStore(c).Pages(c.UserContext(), b.ID)
	if err != nil {
		return err
	}
	for _, p := range pages {
		if p.PageID == t.PageID {
			v.PageName = p.Name
		}
	}
	i, j := 0, 0
	for i < len(t.Messages) || j < len(t.Events) {
		if j >= len(t.Events) || (i < len(t.Messages) && !t.Messages[i].SentAt.After(t.Events[j].At)) {
			v.Items = append(v.Items, threadItem{At: t.Messages[i].SentAt, Message: &v.Thread.Messages[i]})
			i++
		} else {
			v.Items = append(v.Items, threadItem{At: t.Events[j].At, Event: &v.Thread.Events[j]})
			j++
		}
	}
	return s.renderPage(c, "conversations/thread", "Conversation "+t.PSID, v)
}
