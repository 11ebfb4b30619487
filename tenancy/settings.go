package tenancy

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"relance/meta"
)

// Defaults of the brand settings campaigns read (DESIGN §5 "Brand settings").
const (
	// DefaultQuietFrom and DefaultQuietTo bound the quiet hours, brand time, when none are set.
	DefaultQuietFrom = "21:00"
	DefaultQuietTo   = "09:00"
	// DefaultCapMessages per DefaultCapDays is the frequency cap of a campaign that sets none: one
	// campaign message a day per contact, which is also about what Marketing Messages delivers (§3 of the reference).
	DefaultCapMessages = 1
	DefaultCapDays     = 1
	// DefaultConversationGapHours of silence end a conversation: the next inbound message starts another.
	DefaultConversationGapHours = 24
	// DefaultReplyWindowHours after a delivered campaign send, an inbound message counts as a reply to it.
	DefaultReplyWindowHours = 72
	// MaxAttributionHours bounds both: 30 days.
	MaxAttributionHours = 720
)

// QuietHours is a daily span, brand time, in which campaign messages wait ("HH:MM"; from after to spans midnight).
type QuietHours struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// FrequencyCap is at most Messages campaign messages per contact in Days days, across the brand's campaigns.
type FrequencyCap struct {
	Messages int `json:"messages"`
	Days     int `json:"days"`
}

// Fees are what the agency charges a brand on top of its media spend (DESIGN §5 "Money"): a share of the
// month's spend in basis points and a fixed monthly amount in the brand's currency.
type Fees struct {
	PercentBP int `json:"percent_bp"`
	// Monthly is the fixed monthly fee as a decimal string in the brand's currency ("1500.00"; "0" for none).
	Monthly FeeAmount `json:"monthly"`
}

// FeeAmount is a decimal amount in the brand's currency, as the API takes and shows it.
type FeeAmount struct {
	Amount string `json:"amount"`
}

// MaxFeeBP bounds the percentage fee: 100 % of the media spend.
const MaxFeeBP = 10000

// BrandSettings are a brand's campaign settings as stored: nil fields take the defaults, so a setting added
// later has a default for every existing brand without a data migration.
type BrandSettings struct {
	ApprovalRequired *bool         `json:"approval_required,omitempty"`
	QuietHours       *QuietHours   `json:"quiet_hours,omitempty"`
	FrequencyCap     *FrequencyCap `json:"frequency_cap,omitempty"`
	Fees             *Fees         `json:"fees,omitempty"`
	CAPIForwarding   *bool         `json:"capi_forwarding,omitempty"`
	// TestContacts are the contacts (ids) of the brand's own staff that campaign test sends may go to.
	TestContacts    []string `json:"test_contacts,omitempty"`
	ConversationGap *int     `json:"conversation_gap_hours,omitempty"`
	ReplyWindow     *int     `json:"reply_window_hours,omitempty"`
	// ConversionRules derive leads and purchases from what contacts do (nil: none).
	ConversionRules *ConversionRules `json:"conversion_rules,omitempty"`
}

// EffectiveSettings are the settings in force, defaults filled in.
type EffectiveSettings struct {
	ApprovalRequired bool         `json:"approval_required"`
	QuietHours       QuietHours   `json:"quiet_hours"`
	FrequencyCap     FrequencyCap `json:"frequency_cap"`
	Fees             Fees         `json:"fees"`
	// CAPIForwarding sends the brand's conversions to Meta's Conversions API (off unless switched on).
	CAPIForwarding bool `json:"capi_forwarding"`
	// ConversationGapHours of silence end a conversation (attribution).
	ConversationGapHours int `json:"conversation_gap_hours"`
	// ReplyWindowHours after a delivered send make an inbound message a reply to it (attribution).
	ReplyWindowHours int      `json:"reply_window_hours"`
	TestContacts     []string `json:"test_contacts"`
	// ConversionRules derive leads and purchases from what contacts do.
	ConversionRules ConversionRules `json:"conversion_rules"`
}

// Effective fills the defaults in: approval is required unless switched off (DESIGN §5).
func (s BrandSettings) Effective() EffectiveSettings {
	e := EffectiveSettings{ApprovalRequired: true, QuietHours: QuietHours{DefaultQuietFrom, DefaultQuietTo},
		FrequencyCap: FrequencyCap{DefaultCapMessages, DefaultCapDays}, Fees: Fees{Monthly: FeeAmount{Amount: "0"}},
		ConversationGapHours: DefaultConversationGapHours, ReplyWindowHours: DefaultReplyWindowHours, TestContacts: []string{},
		ConversionRules: ConversionRules{PurchasePayloads: []PayloadRule{}}}
	if s.ConversionRules != nil {
		e.ConversionRules.LeadOnContactShared = s.ConversionRules.LeadOnContactShared
		e.ConversionRules.PurchasePayloads = append(e.ConversionRules.PurchasePayloads, s.ConversionRules.PurchasePayloads...)
	}
	if s.ConversationGap != nil {
		e.ConversationGapHours = *s.ConversationGap
	}
	if s.ReplyWindow != nil {
		e.ReplyWindowHours = *s.ReplyWindow
	}
	if s.ApprovalRequired != nil {
		e.ApprovalRequired = *s.ApprovalRequired
	}
	if s.QuietHours != nil {
		e.QuietHours = *s.QuietHours
	}
	if s.FrequencyCap != nil {
		e.FrequencyCap = *s.FrequencyCap
	}
	if s.Fees != nil {
		e.Fees = *s.Fees
	}
	if s.CAPIForwarding != nil {
		e.CAPIForwarding = *s.CAPIForwarding
	}
	if s.TestContacts != nil {
		e.TestContacts = append(e.TestContacts, s.TestContacts...)
	}
	return e
}

// MarshalJSON shows the settings in force, so that an API client never has to know the defaults.
func (s BrandSettings) MarshalJSON() ([]byte, error) { return json.Marshal(s.Effective()) }

// Value stores the settings as JSON text (only what was set).
func (s BrandSettings) Value() (driver.Value, error) {
	type stored BrandSettings // without MarshalJSON: keep nil as "default"
	b, err := json.Marshal(stored(s))
	return string(b), err
}

// Scan reads the settings column.
func (s *BrandSettings) Scan(v any) error {
	type stored BrandSettings
	var raw []byte
	switch x := v.(type) {
	case nil:
		*s = BrandSettings{}
		return nil
	case string:
		raw = []byte(x)
	case []byte:
		raw = x
	default:
		return fmt.Errorf("tenancy: brand settings: unexpected %T", v)
	}
	var out stored
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			return fmt.Errorf("tenancy: brand settings: %w", err)
		}
	}
	*s = BrandSettings(out)
	return nil
}

// SettingsInput changes brand settings; nil fields are left as they are.
type SettingsInput struct {
	ApprovalRequired *bool         `json:"approval_required"`
	QuietHours       *QuietHours   `json:"quiet_hours"`
	FrequencyCap     *FrequencyCap `json:"frequency_cap"`
	Fees             *FeesInput    `json:"fees"`
	CAPIForwarding   *bool         `json:"capi_forwarding"`
	TestContacts     *[]string     `json:"test_contacts"`
	ConversationGap  *int          `json:"conversation_gap_hours"`
	ReplyWindow      *int          `json:"reply_window_hours"`
	// ConversionRules replace the brand's rules whole.
	ConversionRules *ConversionRules `json:"conversion_rules"`
}

// MaxTestContacts is how many test contacts a brand may name.
const MaxTestContacts = 20

// FeesInput changes fees; nil fields are left as they are.
type FeesInput struct {
	PercentBP *int       `json:"percent_bp"`
	Monthly   *FeeAmount `json:"monthly"`
}

// apply validates in onto s, naming fields as settings.<key>; currency is the brand's, for the monthly fee.
func (in SettingsInput) apply(fe fieldErrors, s *BrandSettings, currency string) {
	if in.CAPIForwarding != nil {
		v := *in.CAPIForwarding
		s.CAPIForwarding = &v
	}
	for _, h := range []struct {
		field string
		in    *int
		out   **int
	}{{"settings.conversation_gap_hours", in.ConversationGap, &s.ConversationGap}, {"settings.reply_window_hours", in.ReplyWindow, &s.ReplyWindow}} {
		switch {
		case h.in == nil:
		case *h.in < 1 || *h.in > MaxAttributionHours:
			fe.add(h.field, fmt.Sprintf("must be from 1 to %d hours", MaxAttributionHours))
		default:
			v := *h.in
			*h.out = &v
		}
	}
	if f := in.Fees; f != nil {
		next := Fees{Monthly: FeeAmount{Amount: "0"}}
		if s.Fees != nil {
			next = *s.Fees
		}
		ok := true
		if f.PercentBP != nil {
			if *f.PercentBP < 0 || *f.PercentBP > MaxFeeBP {
				fe.add("settings.fees.percent_bp", "must be from 0 to 10000 basis points (0 to 100 %)")
				ok = false
			}
			next.PercentBP = *f.PercentBP
		}
		if f.Monthly != nil {
			m, err := meta.ParseDecimal(f.Monthly.Amount, currency)
			_, frac, _ := strings.Cut(strings.TrimSpace(f.Monthly.Amount), ".")
			switch {
			case err == nil && len(frac) > meta.ISOMinorDigits(currency):
				fe.add("settings.fees.monthly.amount", fmt.Sprintf("has more decimals than %s has (%d)", currency, meta.ISOMinorDigits(currency)))
				ok = false
			case err != nil || strings.TrimSpace(f.Monthly.Amount) == "":
				fe.add("settings.fees.monthly.amount", "must be a decimal amount in the brand's currency with a dot, such as \"1500.00\" (no thousands separators)")
				ok = false
			case m.Minor < 0:
				fe.add("settings.fees.monthly.amount", "must not be negative")
				ok = false
			default:
				next.Monthly.Amount = meta.FormatDecimal(m)
			}
		}
		if ok {
			s.Fees = &next
		}
	}
	if in.ApprovalRequired != nil {
		v := *in.ApprovalRequired
		s.ApprovalRequired = &v
	}
	if q := in.QuietHours; q != nil {
		ok := true
		for field, v := range map[string]string{"from": q.From, "to": q.To} {
			if _, err := ParseClock(v); err != nil {
				fe.add("settings.quiet_hours."+field, "must be a time of day HH:MM, such as 21:00")
				ok = false
			}
		}
		if ok {
			v := *q
			s.QuietHours = &v
		}
	}
	if c := in.FrequencyCap; c != nil {
		ok := true
		if c.Messages < 1 || c.Messages > 100 {
			fe.add("settings.frequency_cap.messages", "must be from 1 to 100")
			ok = false
		}
		if c.Days < 1 || c.Days > 365 {
			fe.add("settings.frequency_cap.days", "must be from 1 to 365")
			ok = false
		}
		if ok {
			v := *c
			s.FrequencyCap = &v
		}
	}
	if tc := in.TestContacts; tc != nil {
		applyTestContacts(fe, *tc, s)
	}
	if r := in.ConversionRules; r != nil {
		applyConversionRules(fe, *r, s, currency)
	}
}

// applyTestContacts checks the shape of the test contacts list (ids, no repeats); whether each is a contact
// of the brand is checked when a test is sent, since contacts come and go.
func applyTestContacts(fe fieldErrors, ids []string, s *BrandSettings) {
	if len(ids) > MaxTestContacts {
		fe.add("settings.test_contacts", fmt.Sprintf("must name at most %d contacts", MaxTestContacts))
		return
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(ids))
	for i, id := range ids {
		switch {
		case id == "" || len(id) > 64:
			fe.add(fmt.Sprintf("settings.test_contacts[%d]", i), "must be a contact id")
			return
		case seen[id]:
			fe.add(fmt.Sprintf("settings.test_contacts[%d]", i), "is listed twice")
			return
		}
		seen[id] = true
		out = append(out, id)
	}
	s.TestContacts = out
}

// ParseClock reads "HH:MM" (24 h) as the time since midnight.
func ParseClock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, fmt.Errorf("tenancy: %q is not a time of day HH:MM", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}
