package meta

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// MaxUsersPerCall is the most rows Meta accepts in one POST or DELETE /{audience_id}/users (reference §4).
const MaxUsersPerCall = 10000

// Audience upload schemas relance uses. PSIDs match only on the Page that issued them, so PAGEUID rows go
// with that Page's id; emails and phones are normalised and hashed (HashEmail, HashPhone).
const (
	SchemaPageUID     = "PAGEUID"
	SchemaEmailSHA256 = "EMAIL_SHA256"
	SchemaPhoneSHA256 = "PHONE_SHA256"
)

// OperationStatusFlagged is the operation_status code of an audience Meta flagged (health or financial
// hints, since 2025-09): its uploads fail with 100/1713230 (reference §4).
const OperationStatusFlagged = 471

// ErrInvalidUpload is an audience upload Meta would refuse; relance refuses it before calling.
var ErrInvalidUpload = errors.New("meta: invalid audience upload")

// CreateCustomAudience creates a customer-file custom audience in an ad account (accountID with or without
// the act_ prefix) and returns its id.
func (c *Client) CreateCustomAudience(ctx context.Context, token, accountID, name, description string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("%w: an audience needs a name", ErrInvalidUpload)
	}
	body := map[string]any{"name": name, "subtype": "CUSTOM", "description": description,
		"customer_file_source": "USER_PROVIDED_ONLY"}
	var out struct {
		ID string `json:"id"`
	}
	// once: a create whose answer was lost is not repeated blindly; the caller finds the audience by its
	// tag (FindCustomAudiences).
	if err := c.call(ctx, request{method: "POST", path: adAccountNode(accountID) + "/customaudiences", token: token, body: body, once: true}, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", fmt.Errorf("meta: create custom audience: answer without an id")
	}
	return out.ID, nil
}

// FindCustomAudiences lists the ad account's custom audiences whose name contains text, with Graph's
// filtering on name, compared exactly here as well. A caller that tags the names of the audiences it creates
// finds one again after a create whose answer was lost, instead of creating a second (as FindAdObjects does
// for campaigns, ad sets, creatives and ads). Meta leaves deleted audiences out.
func (c *Client) FindCustomAudiences(ctx context.Context, token, accountID, contains string) ([]AdObjectRef, error) {
	if contains == "" {
		return nil, fmt.Errorf("%w: FindCustomAudiences needs a text to look for", ErrInvalidUpload)
	}
	filter, _ := json.Marshal([]map[string]any{{"field": "name", "operator": "CONTAIN", "value": contains}})
	r := request{method: "GET", path: adAccountNode(accountID) + "/customaudiences", token: token,
		query: url.Values{"fields": {"id,name"}, "filtering": {string(filter)}, "limit": {"100"}}}
	var out []AdObjectRef
	for {
		var w struct {
			Data []struct {
				ID   marketingID `json:"id"`
				Name string      `json:"name"`
			} `json:"data"`
			Paging Paging `json:"paging"`
		}
		if err := c.call(ctx, r, &w); err != nil {
			return nil, err
		}
		for _, d := range w.Data {
			if strings.Contains(d.Name, contains) {
				out = append(out, AdObjectRef{ID: string(d.ID), Name: d.Name})
			}
		}
		if w.Paging.Next == "" || len(out) >= findLimit {
			return out, nil
		}
		r = request{method: "GET", token: token, next: w.Paging.Next}
	}
}

// AudienceStatus is an audience's operation_status or delivery_status.
type AudienceStatus struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

// Audience is what Meta says about a custom audience. The counts are Meta's rounded estimates of matched
// people, not the number of rows uploaded; they lag uploads by up to 24 hours.
type Audience struct {
	ID              string         `json:"id"`
	Name            string         `json:"name"`
	Description     string         `json:"description"`
	LowerBound      int64          `json:"approximate_count_lower_bound"`
	UpperBound      int64          `json:"approximate_count_upper_bound"`
	OperationStatus AudienceStatus `json:"operation_status"`
	DeliveryStatus  AudienceStatus `json:"delivery_status"`
}

// Flagged reports whether Meta flagged the audience (operation_status 471): uploads to it fail.
func (a Audience) Flagged() bool { return a.OperationStatus.Code == OperationStatusFlagged }

// audienceFields are the fields Audience reads.
const audienceFields = "id,name,description,approximate_count_lower_bound,approximate_count_upper_bound,operation_status,delivery_status"

// Audience reads a custom audience.
func (c *Client) Audience(ctx context.Context, token, id string) (Audience, error) {
	var out Audience
	err := c.call(ctx, request{method: "GET", path: id, token: token, query: url.Values{"fields": {audienceFields}}}, &out)
	return out, err
}

// DeleteAudience deletes a custom audience.
func (c *Client) DeleteAudience(ctx context.Context, token, id string) error {
	return c.call(ctx, request{method: "DELETE", path: id, token: token}, nil)
}

// UploadSession places one call in a multi-call upload: Meta groups the batches of a session_id, batch_seq
// counts from 1, and last_batch_flag closes the session. Retrying a batch with the same session_id and
// batch_seq does not apply it twice.
type UploadSession struct {
	ID             int64 // chosen by the caller, the same for every batch (and every retry) of one upload
	BatchSeq       int   // 1, 2, …
	Last           bool  // this is the final batch
	EstimatedTotal int   // estimated_num_total: rows in the whole session
}

// UsersBatch is one call's worth of rows to add to or remove from an audience.
type UsersBatch struct {
	Schema  string         // SchemaPageUID (default), SchemaEmailSHA256 or SchemaPhoneSHA256
	PageID  string         // the Page that issued the PSIDs; required with SchemaPageUID
	Rows    []string       // PSIDs, or lowercase hex SHA-256 hashes for the hashed schemas
	Session *UploadSession // nil for a single-call upload
}

// UploadResult is Meta's answer to an upload call.
type UploadResult struct {
	AudienceID string
	SessionID  string
	Received   int64 // num_received
	Invalid    int64 // num_invalid_entries
	// InvalidSamples are a few rejected rows with Meta's reason (invalid_entry_samples), when Meta sends them.
	InvalidSamples map[string]string
}

// AddUsers adds one batch of at most MaxUsersPerCall rows to an audience. Meta applies it within 24 hours.
func (c *Client) AddUsers(ctx context.Context, token, audienceID string, b UsersBatch) (UploadResult, error) {
	return c.users(ctx, "POST", token, audienceID, b)
}

// RemoveUsers removes one batch of at most MaxUsersPerCall rows from an audience.
func (c *Client) RemoveUsers(ctx context.Context, token, audienceID string, b UsersBatch) (UploadResult, error) {
	return c.users(ctx, "DELETE", token, audienceID, b)
}

// users sends one POST or DELETE /{audience_id}/users.
func (c *Client) users(ctx context.Context, method, token, audienceID string, b UsersBatch) (UploadResult, error) {
	body, err := b.body()
	if err != nil {
		return UploadResult{}, err
	}
	var raw struct {
		AudienceID json.RawMessage            `json:"audience_id"`
		SessionID  json.RawMessage            `json:"session_id"`
		Received   json.RawMessage            `json:"num_received"`
		Invalid    json.RawMessage            `json:"num_invalid_entries"`
		Samples    map[string]json.RawMessage `json:"invalid_entry_samples"`
	}
	if err := c.call(ctx, request{method: method, path: audienceID + "/users", token: token, body: body}, &raw); err != nil {
		return UploadResult{}, err
	}
	out := UploadResult{AudienceID: flexString(raw.AudienceID), SessionID: flexString(raw.SessionID),
		Received: int64(flexInt(raw.Received)), Invalid: int64(flexInt(raw.Invalid))}
	if len(raw.Samples) > 0 {
		// Samples come as {"<row>": "<reason>"}; anything else is kept as its JSON text.
		out.InvalidSamples = make(map[string]string, len(raw.Samples))
		for k, v := range raw.Samples {
			if s := flexString(v); s != "" {
				out.InvalidSamples[k] = s
			} else {
				out.InvalidSamples[k] = string(v)
			}
		}
	}
	return out, nil
}

// body builds the {payload, session} JSON after checking what Meta would refuse.
func (b UsersBatch) body() (map[string]any, error) {
	bad := func(why string) (map[string]any, error) { return nil, fmt.Errorf("%w: %s", ErrInvalidUpload, why) }
	schema := b.Schema
	if schema == "" {
		schema = SchemaPageUID
	}
	switch {
	case schema != SchemaPageUID && schema != SchemaEmailSHA256 && schema != SchemaPhoneSHA256:
		return bad("unknown schema " + schema)
	case schema == SchemaPageUID && b.PageID == "":
		return bad("PSIDs need the id of the Page that issued them")
	case len(b.Rows) == 0:
		return bad("no rows")
	case len(b.Rows) > MaxUsersPerCall:
		return bad(fmt.Sprintf("%d rows; at most %d per call", len(b.Rows), MaxUsersPerCall))
	case b.Session != nil && (b.Session.ID == 0 || b.Session.BatchSeq < 1):
		return bad("a session needs an id and a batch_seq from 1")
	}
	data := make([][]string, len(b.Rows))
	for i, r := range b.Rows {
		data[i] = []string{r}
	}
	payload := map[string]any{"schema": []string{schema}, "data": data}
	if schema == SchemaPageUID {
		payload["is_raw"] = true
		payload["page_ids"] = []string{b.PageID}
	}
	body := map[string]any{"payload": payload}
	if s := b.Session; s != nil {
		body["session"] = map[string]any{"session_id": s.ID, "batch_seq": s.BatchSeq, "last_batch_flag": s.Last,
			"estimated_num_total": s.EstimatedTotal}
	}
	return body, nil
}

// HashEmail is an email normalised as Meta asks (trimmed, lower case) and hashed: lowercase hex SHA-256.
func HashEmail(email string) string {
	return sha256Hex(strings.ToLower(strings.TrimSpace(email)))
}

// HashPhone is a phone number reduced to its digits (with country code, no leading zeros or +) and hashed.
func HashPhone(phone string) string {
	var b strings.Builder
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return sha256Hex(strings.TrimLeft(b.String(), "0"))
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// UserUpload is a whole list of one Page's PSIDs to add to or remove from an audience, sent as one session
// of batches of at most MaxUsersPerCall rows.
type UserUpload struct {
	PageID    string
	PSIDs     []string
	Remove    bool
	SessionID int64 // chosen by the caller and kept across resumes of the same upload
	// StartBatch is the first batch_seq to send: 1 (or 0) for a new upload, the last acknowledged batch + 1
	// to resume. Batches are cut the same way every time, so a resume needs the same PSIDs in the same order
	// and the same BatchSize.
	StartBatch int
	BatchSize  int // rows per call; default and at most MaxUsersPerCall
}

// Batches is the number of calls the upload takes.
func (u UserUpload) Batches() int {
	size := u.size()
	return (len(u.PSIDs) + size - 1) / size
}

func (u UserUpload) size() int {
	if u.BatchSize <= 0 || u.BatchSize > MaxUsersPerCall {
		return MaxUsersPerCall
	}
	return u.BatchSize
}

// UploadUsers sends u batch by batch within one session and calls onBatch (if not nil) once Meta has
// acknowledged each batch, so that the caller can persist seq and resume a crashed upload at seq+1: Meta
// ignores a batch_seq it already received in the session, so resending the batch in flight is harmless. It
// returns the last acknowledged batch_seq (StartBatch-1 when none was). An error from onBatch stops it.
func (c *Client) UploadUsers(ctx context.Context, token, audienceID string, u UserUpload, onBatch func(seq int, r UploadResult) error) (int, error) {
	start := max(u.StartBatch, 1)
	done := start - 1
	if u.SessionID == 0 {
		return done, fmt.Errorf("%w: an upload session needs an id", ErrInvalidUpload)
	}
	n, size := u.Batches(), u.size()
	for seq := start; seq <= n; seq++ {
		rows := u.PSIDs[(seq-1)*size : min(seq*size, len(u.PSIDs))]
		b := UsersBatch{PageID: u.PageID, Rows: rows, Session: &UploadSession{ID: u.SessionID, BatchSeq: seq,
			Last: seq == n, EstimatedTotal: len(u.PSIDs)}}
		var r UploadResult
		var err error
		if u.Remove {
			r, err = c.RemoveUsers(ctx, token, audienceID, b)
		} else {
			r, err = c.AddUsers(ctx, token, audienceID, b)
		}
		if err != nil {
			return done, fmt.Errorf("meta: audience %s batch %d/%d: %w", audienceID, seq, n, err)
		}
		done = seq
		if onBatch != nil {
			if err := onBatch(seq, r); err != nil {
				return done, err
			}
		}
	}
	return done, nil
}
