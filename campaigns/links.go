package campaigns

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"relance/tenancy"
)

// maxLabel is the longest link label: a name people read on the campaign page, not a sentence.
const maxLabel = 60

// CampaignLinkKey is the path segment that names a campaign's own link (label ""): no label can take it,
// since a label needs a letter or digit.
const CampaignLinkKey = "-"

// ErrLinkNotFound means the campaign has no link with that label.
var ErrLinkNotFound = fmt.Errorf("campaigns: link: %w", ErrNotFound)

// Link is an entry point of a campaign: an m.me link whose ref names the campaign and, for a labelled link,
// the label (DESIGN §5 links).
type Link struct {
	// Label is empty for the campaign's own link.
	Label string `json:"label"`
	// Ref is the campaign's ref, or the campaign's ref, a dot and the label's slug.
	Ref string `json:"ref"`
	// URL is https://m.me/<page>?ref=<ref>, the ref query-escaped.
	URL       string     `json:"url"`
	CreatedBy string     `json:"created_by,omitempty"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
	// Key is the path segment of the link's QR codes: the label, or CampaignLinkKey.
	Key string `json:"-"`
}

// linkRow is the campaign_links table.
type linkRow struct {
	ID, TenantID, BrandID, CampaignID, Label, Slug, CreatedBy string
	CreatedAt                                                 int64
}

func (linkRow) TableName() string { return "campaign_links" }

// LinkInput is a new labelled link.
type LinkInput struct {
	Label string `json:"label"`
}

// BaseRef is the ref of a campaign's own link: its ref, or its id when it has none (an id is made of ref
// characters), so that every campaign has an entry point.
func BaseRef(c Campaign) string {
	if c.Ref != "" {
		return c.Ref
	}
	return c.ID
}

// MessengerURL is the m.me link that opens a conversation with a Page and hands it a ref.
func MessengerURL(pageID, ref string) string {
	return "https://m.me/" + url.PathEscape(pageID) + "?ref=" + url.QueryEscape(ref)
}

// Slug is the ref part a label gives: lower-case ASCII letters and digits, any other run of characters one
// hyphen. Labels that slug alike would share a ref, so the slug is what must be unique within a campaign.
func Slug(label string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(label) {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}

// linkRef is a labelled link's ref.
func linkRef(c Campaign, slug string) string { return BaseRef(c) + "." + slug }

// Links lists a campaign's entry points: its own link first, then its labelled links in the order they were
// made.
func (s *Store) Links(ctx context.Context, id string) ([]Link, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	var rows []linkRow
	if err := s.db.R.WithContext(ctx).Where("tenant_id = ? AND brand_id = ? AND campaign_id = ?", s.tenant, s.brand.ID, c.ID).
		Order("created_at, id").Limit(1000).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("campaigns: links: %w", err)
	}
	out := make([]Link, 0, len(rows)+1)
	out = append(out, Link{Ref: BaseRef(c), URL: MessengerURL(c.PageID, BaseRef(c)), Key: CampaignLinkKey})
	for _, r := range rows {
		out = append(out, s.link(c, r))
	}
	return out, nil
}

// Link returns one entry point by its key: a label, or CampaignLinkKey for the campaign's own link.
func (s *Store) Link(ctx context.Context, id, key string) (Link, error) {
	links, err := s.Links(ctx, id)
	if err != nil {
		return Link{}, err
	}
	for _, l := range links {
		if l.Key == key {
			return l, nil
		}
	}
	return Link{}, ErrLinkNotFound
}

func (s *Store) link(c Campaign, r linkRow) Link {
	ref := linkRef(c, r.Slug)
	t := time.UnixMilli(r.CreatedAt).UTC()
	return Link{Label: r.Label, Ref: ref, URL: MessengerURL(c.PageID, ref), CreatedBy: r.CreatedBy, CreatedAt: &t, Key: r.Label}
}

// checkLabel validates a label against the campaign: a 422 naming "label" when it is empty, too long, has no
// letter or digit, makes a ref Meta would refuse, or slugs like a label the campaign has.
func checkLabel(c Campaign, label string, taken []linkRow) (string, error) {
	bad := func(reason string) error {
		return &tenancy.ValidationError{Fields: map[string]string{"label": reason}}
	}
	switch {
	case label == "":
		return "", bad("is required")
	case utf8.RuneCountInString(label) > maxLabel:
		return "", bad(fmt.Sprintf("must be at most %d characters", maxLabel))
	case strings.IndexFunc(label, unicode.IsControl) >= 0:
		return "", bad("must not contain control characters")
	}
	slug := Slug(label)
	if slug == "" {
		return "", bad("must contain a letter or digit")
	}
	if !ValidRef(linkRef(c, slug)) {
		return "", bad(fmt.Sprintf("is too long for the campaign's ref: the link's ref %q must be at most %d characters", linkRef(c, slug), maxRef))
	}
	for _, r := range taken {
		if r.Slug == slug {
			return "", bad(fmt.Sprintf("is already used by the link %q of this campaign", r.Label))
		}
	}
	return slug, nil
}

// CreateLink adds a labelled link to a campaign, in any state: entry points are printed and shared before
// and while a campaign runs. It is written with its audit entry and timeline event in one transaction.
func (s *Store) CreateLink(ctx context.Context, id string, in LinkInput) (Link, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return Link{}, err
	}
	label := strings.TrimSpace(in.Label)
	var taken []linkRow
	if err := s.db.R.WithContext(ctx).Where("tenant_id = ? AND campaign_id = ?", s.tenant, c.ID).Find(&taken).Error; err != nil {
		return Link{}, fmt.Errorf("campaigns: links: %w", err)
	}
	slug, err := checkLabel(c, label, taken)
	if err != nil {
		return Link{}, err
	}
	// A ref names one campaign on a Page: a link must not take another campaign's ref ("spring" + "menu" is
	// "spring.menu", which a campaign may have as its own).
	var clash []string
	if err := s.db.R.WithContext(ctx).Table("campaigns").Where("tenant_id = ? AND page_id = ? AND ref = ? AND id <> ?", s.tenant, c.PageID, linkRef(c, slug), c.ID).
		Limit(1).Pluck("name", &clash).Error; err != nil {
		return Link{}, fmt.Errorf("campaigns: links: %w", err)
	}
	if len(clash) > 0 {
		return Link{}, &tenancy.ValidationError{Fields: map[string]string{"label": fmt.Sprintf("makes the ref %s, which another campaign on this Page has", linkRef(c, slug))}}
	}
	row := linkRow{ID: tenancy.NewID(), TenantID: s.tenant, BrandID: s.brand.ID, CampaignID: c.ID, Label: label, Slug: slug,
		CreatedBy: tenancy.ActorFrom(ctx).Label, CreatedAt: s.opts.Now().UnixMilli()}
	err = s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return s.record(ctx, tx, c, "link_create", "", "", fmt.Sprintf("link %q (ref %s)", label, linkRef(c, slug)))
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		// Another request made a link with the same slug between the check and the write.
		return Link{}, &tenancy.ValidationError{Fields: map[string]string{"label": "is already used by a link of this campaign"}}
	}
	if err != nil {
		return Link{}, fmt.Errorf("campaigns: create link: %w", err)
	}
	return s.link(c, row), nil
}

// DeleteLink removes a labelled link; the campaign's own link is not a row and cannot be deleted.
func (s *Store) DeleteLink(ctx context.Context, id, label string) error {
	c, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	err = s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("tenant_id = ? AND brand_id = ? AND campaign_id = ? AND label = ?", s.tenant, s.brand.ID, c.ID, label).Delete(&linkRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrLinkNotFound
		}
		return s.record(ctx, tx, c, "link_delete", "", "", fmt.Sprintf("link %q", label))
	})
	if errors.Is(err, ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("campaigns: delete link: %w", err)
	}
	return nil
}

// linkRefTaken reports whether a campaign's ref is the ref of another campaign's labelled link on its Page
// (the other half of "a ref names one campaign": CreateLink checks links against campaign refs).
func (s *Store) linkRefTaken(ctx context.Context, c Campaign) (bool, error) {
	i := strings.LastIndexByte(c.Ref, '.')
	if i <= 0 {
		return false, nil
	}
	base, slug := c.Ref[:i], c.Ref[i+1:]
	var n int64
	err := s.db.R.WithContext(ctx).Table("campaign_links AS l").Joins("JOIN campaigns AS o ON o.id = l.campaign_id").
		Where("o.tenant_id = ? AND o.page_id = ? AND o.id <> ? AND l.slug = ? AND (o.ref = ? OR (o.ref = '' AND o.id = ?))",
			s.tenant, c.PageID, c.ID, slug, base, base).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("campaigns: link refs: %w", err)
	}
	return n > 0, nil
}
