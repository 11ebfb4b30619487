package conversations

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrMalformed means the webhook body is not JSON in Meta's envelope shape.
var ErrMalformed = errors.New("conversations: malformed webhook body")

// flexID is an ID Meta sends as a string or a number (IDs exceed 2^53: the number's literal text is kept).
type flexID string

// UnmarshalJSON accepts "123", 123 and null.
func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
	default:
		if _, err := strconv.ParseFloat(string(b), 64); err != nil {
			return fmt.Errorf("id %s is neither a string nor a number", b)
		}
		*f = flexID(b)
	}
	return nil
}

// flexTime is a Meta timestamp in epoch milliseconds, sent as a number or a string; some payloads use seconds.
type flexTime int64

// UnmarshalJSON accepts 1527459824000, "1527459824000", 1527459824 (seconds) and null.
func (t *flexTime) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		*t = 0
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("timestamp %s is not a number", b)
	}
	// Ten-digit values are seconds (a few doc pages show them); anything that size in ms would be 1970.
	if v > 0 && v < 1e11 {
		v *= 1000
	}
	*t = flexTime(int64(v))
	return nil
}

// envelope is the top level of a delivery.
type envelope struct {
	Object string            `json:"object"`
	Entry  []json.RawMessage `json:"entry"`
}

// entry is one Page's part of a delivery.
type entry struct {
	ID        flexID            `json:"id"`
	Time      flexTime          `json:"time"`
	Messaging []json.RawMessage `json:"messaging"`
	Standby   []json.RawMessage `json:"standby"`
}

// party is sender or recipient.
type party struct {
	ID      flexID `json:"id"`
	UserRef string `json:"user_ref"`
}

// item is one messaging or standby item: sender, recipient, timestamp and one event object.
type item struct {
	Sender    party           `json:"sender"`
	Recipient party           `json:"recipient"`
	Timestamp flexTime        `json:"timestamp"`
	Message   *wireMessage    `json:"message"`
	Postback  *wirePostback   `json:"postback"`
	Referral  *wireReferral   `json:"referral"`
	Read      *wireWatermark  `json:"read"`
	Delivery  *wireWatermark  `json:"delivery"`
	Optin     *wireOptin      `json:"optin"`
	Pass      *wireHandover   `json:"pass_thread_control"`
	Take      *wireHandover   `json:"take_thread_control"`
	Request   *wireHandover   `json:"request_thread_control"`
	AppRoles  json.RawMessage `json:"app_roles"`
}

type wireMessage struct {
	MID        string `json:"mid"`
	Text       string `json:"text"`
	IsEcho     bool   `json:"is_echo"`
	AppID      flexID `json:"app_id"`
	Metadata   string `json:"metadata"`
	QuickReply *struct {
		Payload string `json:"payload"`
	} `json:"quick_reply"`
	ReplyTo *struct {
		MID string `json:"mid"`
	} `json:"reply_to"`
	Attachments []wireAttachment `json:"attachments"`
	NLP         json.RawMessage  `json:"nlp"`
	NLPv2       json.RawMessage  `json:"nlpv2"`
}

type wireAttachment struct {
	Type    string `json:"type"`
	Payload *struct {
		URL string `json:"url"`
	} `json:"payload"`
}

type wirePostback struct {
	MID      string        `json:"mid"`
	Title    string        `json:"title"`
	Payload  string        `json:"payload"`
	Referral *wireReferral `json:"referral"`
}

type wireReferral struct {
	Ref            string          `json:"ref"`
	Source         string          `json:"source"`
	Type           string          `json:"type"`
	AdID           flexID          `json:"ad_id"`
	AdsContextData json.RawMessage `json:"ads_context_data"`
}

type wireWatermark struct {
	Watermark flexTime `json:"watermark"`
	MIDs      []string `json:"mids"`
}

type wireOptin struct {
	Type           string   `json:"type"`
	Payload        string   `json:"payload"`
	Title          string   `json:"title"`
	Ref            string   `json:"ref"`
	Token          string   `json:"notification_messages_token"`
	Timezone       string   `json:"notification_messages_timezone"`
	TokenExpiresAt flexTime `json:"token_expiry_timestamp"`
	TokenStatus    string   `json:"user_token_status"`
	Status         string   `json:"notification_messages_status"`
}

type wireHandover struct {
	NewOwnerAppID       flexID `json:"new_owner_app_id"`
	PreviousOwnerAppID  flexID `json:"previous_owner_app_id"`
	RequestedOwnerAppID flexID `json:"requested_owner_app_id"`
	Metadata            string `json:"metadata"`
}
