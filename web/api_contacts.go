package web

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"relance/conversations"
	"relance/policy"
	"relance/tenancy"
)

// reader is the conversations reader of the route's brand.
func (s *Server) reader(c *fiber.Ctx) *conversations.Reader {
	return conversations.NewReader(s.DB, principalOf(c).TenantID, brandOf(c).ID, s.Webhook.AppID)
}

// canReadText says whether the caller may see message texts on this brand (finance may not).
func (s *Server) canReadText(c *fiber.Ctx) bool {
	p := principalOf(c)
	return s.Store.Authz().Can(p.TenantID, p.User.ID, brandOf(c).ID, tenancy.PermMessagesRead)
}

// errTextSearch refuses a text search to a caller who may not read message texts (finance): the answer is
// the same whatever the words, so that nothing about the texts can be learnt from it.
var errTextSearch = fiber.NewError(fiber.StatusForbidden, "searching message text needs permission to read message texts")

// checkTextSearch refuses q= before anything else looks at it (validation included), for callers without
// messages:read.
func (s *Server) checkTextSearch(c *fiber.Ctx) error {
	if c.Query("q") != "" && !s.canReadText(c) {
		return errTextSearch
	}
	return nil
}

// contactFilter reads the listing filters shared by the API and the Conversations screen.
func contactFilter(c *fiber.Ctx) (conversations.Filter, error) {
	f := conversations.Filter{PSID: c.Query("psid"), PageID: c.Query("page_id"), Source: c.Query("source"),
		AdID: c.Query("ad_id"), Ref: c.Query("ref"), Entity: c.Query("entity"), Owner: c.Query("owner"),
		Reachability: c.Query("reachability"), Text: c.Query("q"), Name: c.Query("name")}
	bad := map[string]string{}
	for k, v := range map[string]string{"psid": f.PSID, "page_id": f.PageID, "source": f.Source, "ad_id": f.AdID,
		"ref": f.Ref, "entity": f.Entity, "q": f.Text, "name": f.Name} {
		if len(v) > 200 || !plainText(v) {
			bad[k] = "must be plain text of at most 200 characters"
		}
	}
	for _, k := range []string{"active_since", "active_until"} {
		v := c.Query(k)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			d, derr := time.Parse("2006-01-02", v)
			if derr != nil {
				bad[k] = "must be a date (2006-01-02) or an RFC 3339 time"
				continue
			}
			t = d
			if k == "active_until" {
				t = d.AddDate(0, 0, 1)
			}
		}
		if k == "active_since" {
			f.ActiveSince = t
		} else {
			f.ActiveUntil = t
		}
	}
	if len(bad) > 0 {
		return f, &tenancy.ValidationError{Fields: bad}
	}
	return f, nil
}

// wantProfiles asks, in the background, for the names and pictures of the contacts about to be shown.
func (s *Server) wantProfiles(c *fiber.Ctx, cs []conversations.ContactReach) {
	if s.Profiles == nil {
		return
	}
	p := principalOf(c)
	list := make([]conversations.Contact, 0, len(cs))
	for _, x := range cs {
		list = append(list, x.Contact)
	}
	s.Profiles.Want(p.TenantID, brandOf(c).ID, list...)
}

// filterError turns a conversations filter error into a 422 naming the parameter.
func filterError(err error) error {
	var bf *conversations.ErrBadFilter
	if errors.As(err, &bf) {
		return &tenancy.ValidationError{Fields: map[string]string{bf.Field: bf.Reason}}
	}
	return err
}

// apiContacts answers GET /api/v1/brands/:brand/contacts.
func (s *Server) apiContacts(c *fiber.Ctx) error {
	if err := s.checkTextSearch(c); err != nil {
		return err
	}
	f, err := contactFilter(c)
	if err != nil {
		return err
	}
	limit := 50
	if l := c.Query("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > 200 {
			return &tenancy.ValidationError{Fields: map[string]string{"limit": "must be a whole number from 1 to 200"}}
		}
	}
	page, err := s.reader(c).Contacts(c.UserContext(), brandOf(c).Policy, f, c.Query("cursor"), limit)
	if err != nil {
		return filterError(err)
	}
	s.wantProfiles(c, page.Contacts)
	return c.JSON(listBody{Data: page.Contacts, NextCursor: page.Next})
}

// apiContact answers GET /api/v1/brands/:brand/contacts/:contact: the contact, its messages and events.
// Without messages:read (finance) the texts and entity values are left out.
func (s *Server) apiContact(c *fiber.Ctx) error {
	t, err := s.reader(c).Thread(c.UserContext(), c.Params("contact"), 500)
	if errors.Is(err, conversations.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "no such contact")
	}
	if err != nil {
		return err
	}
	if !s.canReadText(c) {
		t.Redact()
	}
	return c.JSON(struct {
		conversations.Thread
		Reachability policy.Reach `json:"reachability"`
	}{t, t.Reach(brandOf(c).Policy, time.Now())})
}
