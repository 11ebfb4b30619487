package campaigns

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"relance/conversations"
	"relance/meta"
	"relance/policy"
	"relance/tenancy"
)

// ActTest is the timeline and audit action of a test send.
const ActTest = "test"

// Sentinel errors of test sends.
var (
	// ErrTestWindow means the test contact's standard window is closed: a test is never paid nor a "+1".
	ErrTestWindow = fmt.Errorf("%w: the test contact's 24-hour window is closed: write to the Page from that account first, then send the test", tenancy.ErrConflict)
	// ErrTestRepeated means a test to the same contact was already sent this minute (a double submit).
	ErrTestRepeated = fmt.Errorf("%w: a test to this contact was already sent this minute", tenancy.ErrConflict)
)

// TestInput is a test send: a contact among the brand's test contacts (settings.test_contacts), and a
// variant (default: the one the contact would get).
type TestInput struct {
	ContactID string `json:"contact_id"`
	Variant   string `json:"variant"`
}

// TestSend is a test send's outcome.
type TestSend struct {
	ID        string     `json:"id"`
	ContactID string     `json:"contact_id"`
	PSID      string     `json:"psid"`
	Variant   string     `json:"variant"`
	Status    string     `json:"status"`
	Reason    string     `json:"reason"`
	Error     *SendError `json:"error"`
	SentAt    *time.Time `json:"sent_at"`
}

// testSendRow is the campaign_test_sends table.
type testSendRow struct {
	ID, TenantID, BrandID, CampaignID, ContactID, PageID string
	PSID                                                 string `gorm:"column:psid"`
	Variant, Route                                       string
	Minute                                               int64
	Status, Reason, ErrorClass                           string
	ErrorCode                                            int
	MessageID, RequestedBy                               string
	ClaimedAt, SentAt, CreatedAt, UpdatedAt              int64
}

func (testSendRow) TableName() string { return "campaign_test_sends" }

// SendTest sends one variant of a campaign to one of the brand's test contacts (its own staff, listed in the
// brand's settings.test_contacts), outside every run: it is not counted, caps nobody, and goes only as a
// free standard message into the contact's open window (never paid, never the "+1"). It is exactly once as
// a run's sends are: the row (unique per campaign, contact and minute) is written before the call, its id
// travels as metadata, and an answer lost on the way leaves it unknown until the echo settles it.
func (s *Store) SendTest(ctx context.Context, campaignID string, in TestInput, ro RunOptions) (TestSend, error) {
	if ro.Sender == nil || ro.PageToken == nil {
		return TestSend{}, ErrNoSender
	}
	c, err := s.Get(ctx, campaignID)
	if err != nil {
		return TestSend{}, err
	}
	if c.State == StateArchived {
		return TestSend{}, &StateError{Action: "test", State: c.State}
	}
	fe := map[string]string{}
	if in.ContactID == "" {
		fe["contact_id"] = "is required"
	} else if !slices.Contains(s.brand.Settings.Effective().TestContacts, in.ContactID) {
		fe["contact_id"] = "must be one of the brand's test contacts (settings.test_contacts)"
	}
	variant := in.Variant
	if variant != "" && !slices.ContainsFunc(c.Variants, func(v Variant) bool { return v.Key == variant }) {
		fe["variant"] = "must be one of the campaign's variant keys"
	}
	if len(fe) > 0 {
		return TestSend{}, &tenancy.ValidationError{Fields: fe}
	}
	var contact struct {
		PSID string `gorm:"column:psid"`
		conversations.PolicyState
	}
	err = s.db.R.WithContext(ctx).Table("contacts").Select("psid, "+conversations.PolicyColumns).
		Where("tenant_id = ? AND brand_id = ? AND id = ? AND page_id = ?", s.tenant, s.brand.ID, in.ContactID, c.PageID).Take(&contact).Error
	if err != nil {
		return TestSend{}, &tenancy.ValidationError{Fields: map[string]string{"contact_id": "is not a contact of the campaign's Page"}}
	}
	now := s.opts.Now()
	if policy.Classify(s.brand.Policy, contact.Contact(), now).Class != policy.Free {
		return TestSend{}, ErrTestWindow
	}
	if variant == "" {
		variant = VariantOf(c.ID, c.PageID, contact.PSID, c.Variants)
	}
	token, err := ro.PageToken(ctx, c.PageID)
	if err != nil {
		return TestSend{}, fmt.Errorf("campaigns: test: page token: %w", err)
	}
	row := testSendRow{ID: tenancy.NewID(), TenantID: s.tenant, BrandID: s.brand.ID, CampaignID: c.ID, ContactID: in.ContactID,
		PageID: c.PageID, PSID: contact.PSID, Variant: variant, Route: RouteFree, Minute: now.Truncate(time.Minute).UnixMilli(),
		Status: SendSending, RequestedBy: tenancy.ActorFrom(ctx).UserID, ClaimedAt: now.UnixMilli(), CreatedAt: now.UnixMilli(), UpdatedAt: now.UnixMilli()}
	err = s.db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrTestRepeated
		}
		return s.record(ctx, tx, c, ActTest, c.State, c.State, "variant "+variant+" to test contact "+in.ContactID)
	})
	if err != nil {
		return TestSend{}, fmt.Errorf("campaigns: test: %w", err)
	}
	var cr Creative
	for _, v := range c.Variants {
		if v.Key == variant {
			cr = v.Creative
		}
	}
	m := toMessage(cr)
	m.PageID, m.Token, m.Recipient, m.MessagingType, m.Metadata = c.PageID, token, contact.PSID, meta.MessagingResponse, row.ID
	out, err := ro.Sender.Send(ctx, m)
	fields := map[string]any{"status": SendSent, "message_id": out.MessageID, "sent_at": s.opts.Now().UnixMilli()}
	if err != nil {
		o := classifyOutcome(err)
		fields = o.fields
		if st, _ := fields["status"].(string); st == SendQueued {
			// Nobody retries a test: a throttle or a token Meta refused fails it, with Meta's message.
			fields["status"], fields["reason"] = SendFailed, err.Error()
			delete(fields, "claimed_by")
		}
	}
	fields["updated_at"] = s.opts.Now().UnixMilli()
	if err := s.db.W.WithContext(context.WithoutCancel(ctx)).Model(&testSendRow{}).Where("id = ? AND status = ?", row.ID, SendSending).
		Updates(fields).Error; err != nil {
		return TestSend{}, fmt.Errorf("campaigns: test: %w", err)
	}
	if err := s.db.W.WithContext(ctx).Where("id = ?", row.ID).Take(&row).Error; err != nil {
		return TestSend{}, fmt.Errorf("campaigns: test: %w", err)
	}
	ts := TestSend{ID: row.ID, ContactID: row.ContactID, PSID: row.PSID, Variant: row.Variant, Status: row.Status, Reason: row.Reason,
		SentAt: at(row.SentAt)}
	if row.ErrorClass != "" {
		ts.Error = &SendError{Class: row.ErrorClass, Code: row.ErrorCode}
	}
	return ts, nil
}

// TestContact is one of the brand's test contacts as the test form offers it.
type TestContact struct {
	ID     string `json:"id"`
	PageID string `json:"page_id"`
	PSID   string `json:"psid"`
	// WindowOpen says a test can go now (the contact wrote to the Page within 24 hours).
	WindowOpen bool `json:"window_open"`
}

// TestContacts lists the brand's test contacts that are contacts of the campaign's Page.
func (s *Store) TestContacts(ctx context.Context, campaignID string) ([]TestContact, error) {
	c, err := s.Get(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	ids := s.brand.Settings.Effective().TestContacts
	out := []TestContact{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID, PageID string
		PSID       string `gorm:"column:psid"`
		conversations.PolicyState
	}
	err = s.db.R.WithContext(ctx).Table("contacts").Select("id, page_id, psid, "+conversations.PolicyColumns).
		Where("tenant_id = ? AND brand_id = ? AND page_id = ? AND id IN ?", s.tenant, s.brand.ID, c.PageID, ids).Order("psid").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: test contacts: %w", err)
	}
	now := s.opts.Now()
	for _, r := range rows {
		open := policy.Classify(s.brand.Policy, r.Contact(), now).Class == policy.Free
		out = append(out, TestContact{ID: r.ID, PageID: r.PageID, PSID: r.PSID, WindowOpen: open})
	}
	return out, nil
}
