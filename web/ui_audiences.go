package web

import (
	"github.com/gofiber/fiber/v2"

	"relance/audiences"
	"relance/tenancy"
)

// audienceListView is the Audiences screen of a brand.
type audienceListView struct {
	Brand    tenancy.Brand
	Rows     []audienceListRow
	CanWrite bool
}

// audienceListRow is one audience in the list.
type audienceListRow struct {
	audiences.Audience
	// Sync is the audience's Meta sync status, for the "audience_sync" template block; nil shows "—".
	Sync any
}

// audiencesPage lists a brand's audiences with their size, last build and next refresh
// (GET /brands/:brand/audiences).
func (s *Server) audiencesPage(c *fiber.Ctx) error {
	b := brandOf(c)
	list, err := s.audienceStore(c).List(c.UserContext())
	if err != nil {
		return err
	}
	v := audienceListView{Brand: b, CanWrite: s.canWriteAudiences(c), Rows: make([]audienceListRow, len(list))}
	for i, a := range list {
		v.Rows[i] = audienceListRow{Audience: a}
		if st := s.syncStatus(c, a); st != nil {
			v.Rows[i].Sync = st
		}
	}
	return s.renderPage(c, "audiences/list", b.Name+" · audiences", v)
}

// canWriteAudiences says whether the caller may change the brand's audiences (the buttons to show).
func (s *Server) canWriteAudiences(c *fiber.Ctx) bool {
	p := principalOf(c)
	return s.Store.Authz().Can(p.TenantID, p.User.ID, brandOf(c).ID, tenancy.PermAudiencesWrite)
}
