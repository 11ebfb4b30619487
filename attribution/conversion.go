package attribution

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"relance/meta"
	"relance/tenancy"
)

// Errors of the package; test with errors.Is.
var (
	// ErrUnknownContact says a conversion names no contact of the brand.
	ErrUnknownContact = errors.New("attribution: unknown contact")
)

// CAPI forwarding statuses (DESIGN §5): off, pending, sent, too_old, failed; sending is a claim in progress.
const (
	CAPIOff     = "off"
	CAPIPending = "pending"
	CAPISending = "sending"
	CAPISent    = "sent"
	CAPITooOld  = "too_old"
	CAPIFailed  = "failed"
)

// Sources of a conversion.
const (
	SourceAPI    = "api"
	SourceImport = "import"
	// SourceRule is a conversion a brand rule derived (a shared phone number or e-mail, a postback payload).
	SourceRule = "rule"
)

// capiNames maps conversion types to the Conversions API event names (reference §7). A booking is an order
// created (a reservation is what the customer ordered); a lead is LeadSubmitted.
var capiNames = map[string]string{
	"purchase": "Purchase", "lead": "LeadSubmitted", "qualified_lead": "QualifiedLead", "booking": "OrderCreated",
	"add_to_cart": "AddToCart", "initiate_checkout": "InitiateCheckout", "view_content": "ViewContent",
	"order_created": "OrderCreated", "order_shipped": "OrderShipped", "order_delivered": "OrderDelivered",
	"order_canceled": "OrderCanceled", "order_returned": "OrderReturned", "cart_abandoned": "CartAbandoned",
	"rating_provided": "RatingProvided", "review_provided": "ReviewProvided",
}

// Types lists the conversion types, sorted.
func Types() []string {
	out := make([]string, 0, len(capiNames))
	for k := range capiNames {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Value is an amount as the API takes and shows it.
type Value struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// ConversionInput is a conversion as the API and the CSV import take it: the contact by contact_id, or by
// page_id and psid.
type ConversionInput struct {
	ExternalID string `json:"external_id"`
	ContactID  string `json:"contact_id"`
	PageID     string `json:"page_id"`
	PSID       string `json:"psid"`
	Type       string `json:"type"`
	Value      *Value `json:"value"`
	OccurredAt string `json:"occurred_at"`
}

// CAPIState is a conversion's forwarding to Meta.
type CAPIState struct {
	Status  string     `json:"status"`
	EventID string     `json:"event_id"`
	SentAt  *time.Time `json:"sent_at"`
	Error   string     `json:"error,omitempty"`
}

// Conversion is a stored conversion.
type Conversion struct {
	ID         string    `json:"id"`
	BrandID    string    `json:"brand_id"`
	ExternalID string    `json:"external_id"`
	ContactID  string    `json:"contact_id"`
	PageID     string    `json:"page_id"`
	PSID       string    `json:"psid"`
	Type       string    `json:"type"`
	Value      Value     `json:"value"`
	OccurredAt time.Time `json:"occurred_at"`
	Source     string    `json:"source"`
	CreatedAt  time.Time `json:"created_at"`
	CAPI       CAPIState `json:"capi"`
}

// checked is a valid input with its parsed parts.
type checked struct {
	in       ConversionInput
	value    meta.Money
	occurred time.Time
}

// clockSkew is how far in the future an occurred_at may be (clocks differ a little).
const clockSkew = 5 * time.Minute

// check validates in at now, adding field errors under prefix ("" for the API, "line 3: " for a CSV).
func check(in ConversionInput, now time.Time, add func(field, reason string)) checked {
	c := checked{in: in}
	c.in.ExternalID = strings.TrimSpace(in.ExternalID)
	switch id := c.in.ExternalID; {
	case id == "":
		add("external_id", "is required: your own id for this conversion, so that sending it again counts it once")
	case utf8.RuneCountInString(id) > 200 || strings.IndexFunc(id, unicode.IsControl) >= 0 || !utf8.ValidString(id):
		add("external_id", "must be at most 200 printable characters")
	}
	c.in.ContactID, c.in.PageID, c.in.PSID = strings.TrimSpace(in.ContactID), strings.TrimSpace(in.PageID), strings.TrimSpace(in.PSID)
	switch {
	case c.in.ContactID != "" && (c.in.PageID != "" || c.in.PSID != ""):
		add("contact_id", "give contact_id, or page_id and psid, not both")
	case c.in.ContactID == "" && (c.in.PageID == "" || c.in.PSID == ""):
		if c.in.PageID == "" {
			add("page_id", "is required with psid when contact_id is not given")
		}
		if c.in.PSID == "" {
			add("psid", "is required with page_id when contact_id is not given")
		}
	case c.in.PageID != "" && !digitsOnly(c.in.PageID):
		add("page_id", "must be a numeric Page ID")
	case c.in.PSID != "" && !digitsOnly(c.in.PSID):
		add("psid", "must be a numeric Page-scoped user ID")
	}
	c.in.Type = strings.ToLower(strings.TrimSpace(in.Type))
	if _, ok := capiNames[c.in.Type]; !ok {
		add("type", "must be one of "+strings.Join(Types(), ", "))
	}
	if in.Value == nil {
		add("value", "is required: {amount, currency}, amount a decimal string such as \"49.90\" (\"0\" for none)")
	} else {
		cur := strings.ToUpper(strings.TrimSpace(in.Value.Currency))
		digits := meta.ISOMinorDigits(cur)
		amount := strings.TrimSpace(in.Value.Amount)
		_, frac, _ := strings.Cut(amount, ".")
		m, err := meta.ParseDecimal(amount, cur)
		switch {
		case digits < 0:
			add("value.currency", "must be an ISO 4217 currency code such as EUR")
		case amount == "" || err != nil:
			add("value.amount", "must be a decimal string with a dot, such as \"49.90\" (no thousands separators or commas)")
		case len(frac) > digits:
			add("value.amount", fmt.Sprintf("has more decimals than %s has (%d)", cur, digits))
		case m.Minor < 0:
			add("value.amount", "must not be negative (a refund is a conversion of its own type, not a negative one)")
		default:
			c.value = m
		}
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(in.OccurredAt))
	switch {
	case err != nil:
		add("occurred_at", "must be an RFC 3339 time such as 2026-11-30T14:05:00Z")
	case t.After(now.Add(clockSkew)):
		add("occurred_at", "must not be in the future")
	case t.Year() < 2004:
		add("occurred_at", "is too far in the past")
	default:
		c.occurred = t.UTC()
	}
	return c
}

// digitsOnly reports whether s is a run of ASCII digits, at most 30.
func digitsOnly(s string) bool {
	return s != "" && len(s) <= 30 && strings.Trim(s, "0123456789") == ""
}

// validationError gathers field errors into the error the API turns into a 422.
func validationError(fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	return &tenancy.ValidationError{Fields: fields}
}
