package conversations

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"relance/conversations/nlp"
)

// ImportRecord is one message of imported history (JSON Lines object or CSV row). See docs in README:
// page_id, psid, sent_at and text or direction are required; mid makes re-imports idempotent and is derived
// from the other fields when absent.
type ImportRecord struct {
	PageID    string          `json:"page_id"`
	PSID      string          `json:"psid"`
	MID       string          `json:"mid"`
	Direction string          `json:"direction"`
	Sender    string          `json:"sender"`
	Text      string          `json:"text"`
	SentAt    json.RawMessage `json:"sent_at"`
	Referral  *struct {
		Source string `json:"source"`
		Ref    string `json:"ref"`
		AdID   string `json:"ad_id"`
	} `json:"referral"`
}

// ImportError is a line that was not imported, and why; Field names the field at fault when there is one.
type ImportError struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// fieldError is a record refused because of one field.
type fieldError struct{ field, msg string }

func (e *fieldError) Error() string { return e.msg }

func badField(field, format string, args ...any) error {
	return &fieldError{field: field, msg: fmt.Sprintf(format, args...)}
}

// ImportResult is what an import did.
type ImportResult struct {
	Imported   int           `json:"imported"`
	Duplicates int           `json:"duplicates"`
	Errors     []ImportError `json:"errors"`
}

// maxImportErrors caps the error list: a wrong file should not produce a multi-megabyte answer.
const maxImportErrors = 1000

// Import reads history in JSON Lines ("jsonl") or CSV ("csv", with a header row) and stores it through the
// ingester, batch by batch, so a large file never sits in memory as events. Lines with errors are reported
// with their numbers and skipped; the good ones are kept. pages are the Page ids of the brand.
func (in *Ingester) Import(ctx context.Context, r io.Reader, format string, pages map[string]bool) (ImportResult, error) {
	im := newImportBatch(in, "", pages)
	each := func(line int, rec ImportRecord) error { return im.add(ctx, line, rec) }
	var err error
	switch format {
	case "jsonl":
		err = readJSONLines(r, each, im.bad)
	case "csv":
		err = readCSV(r, each, im.bad)
	default:
		return im.res, &ErrBadFilter{Field: "format", Reason: "must be jsonl or csv"}
	}
	if err != nil {
		return im.res, err
	}
	return im.finish(ctx)
}

// ImportRecords stores records already in memory through the same path as Import (the history backfill
// uses it, so that backfilled contacts and aggregates are those an import would make). An error's line is
// the record's 1-based position.
func (in *Ingester) ImportRecords(ctx context.Context, recs []ImportRecord, pages map[string]bool) (ImportResult, error) {
	return in.importRecords(ctx, "", recs, pages)
}

// importRecords is ImportRecords restricted to one agency's Pages when tenantID is set (see SubmitFor).
func (in *Ingester) importRecords(ctx context.Context, tenantID string, recs []ImportRecord, pages map[string]bool) (ImportResult, error) {
	im := newImportBatch(in, tenantID, pages)
	for i, rec := range recs {
		if err := im.add(ctx, i+1, rec); err != nil {
			return im.res, err
		}
	}
	return im.finish(ctx)
}

// finish stores the last batch and folds the contacts the import queued (ingest.fold_interval): whoever
// imported history looks at its people next, and should not find them a fold interval later. A failed fold
// loses nothing (the rows stay queued for the fold loop), so it does not fail the import.
func (im *importBatch) finish(ctx context.Context) (ImportResult, error) {
	if err := im.flush(ctx); err != nil {
		return im.res, err
	}
	_ = im.in.Fold(ctx)
	return im.res, nil
}

// importBatchSize is how many records go to the ingester at once: big enough for group commit, small
// enough that a large file never sits in memory as events.
const importBatchSize = 1000

// importBatch turns records into entries and hands them to the ingester in batches, counting the results.
type importBatch struct {
	in     *Ingester
	tenant string
	pages  map[string]bool
	res    ImportResult
	batch  []Entry
	lines  []int // the line of each entry in batch
}

func newImportBatch(in *Ingester, tenantID string, pages map[string]bool) *importBatch {
	return &importBatch{in: in, tenant: tenantID, pages: pages, res: ImportResult{Errors: []ImportError{}}}
}

// bad lists a record that was not imported.
func (im *importBatch) bad(line int, msg string) { im.badField(line, "", msg) }

// badField lists a record that was not imported because of one field.
func (im *importBatch) badField(line int, field, msg string) {
	if len(im.res.Errors) < maxImportErrors {
		im.res.Errors = append(im.res.Errors, ImportError{Line: line, Field: field, Message: msg})
	}
}

// add validates one record and queues its events, writing the batch when it is full.
func (im *importBatch) add(ctx context.Context, line int, rec ImportRecord) error {
	evs, err := rec.events(im.pages)
	if err != nil {
		var fe *fieldError
		if errors.As(err, &fe) {
			im.badField(line, fe.field, fe.msg)
		} else {
			im.bad(line, err.Error())
		}
		return nil
	}
	im.batch = append(im.batch, Entry{PageID: evs[0].PageID, Events: evs})
	im.lines = append(im.lines, line)
	if len(im.batch) >= importBatchSize {
		return im.flush(ctx)
	}
	return nil
}

// flush writes what is queued and waits for its commit.
func (im *importBatch) flush(ctx context.Context) error {
	if len(im.batch) == 0 {
		return nil
	}
	out, err := im.in.SubmitFor(ctx, im.tenant, im.batch)
	if errors.Is(err, ErrRefused) {
		out, err = im.oneByOne(ctx)
	}
	im.notConnected(out.NotConnected, 0)
	im.res.Imported += out.Stored
	im.res.Duplicates += out.Duplicates
	im.batch, im.lines = im.batch[:0], im.lines[:0]
	return err
}

// notConnected reports the lines of batch entries (from index from on) whose Page was disconnected while
// the import ran: nothing of them was written, so importing them again once the Page is back stores them.
func (im *importBatch) notConnected(idx []int, from int) {
	for _, k := range idx {
		im.badField(im.lines[from+k], "page_id", fmt.Sprintf("page_id %s was disconnected during the import; "+
			"this line was not imported (import it again once the Page is connected)", im.batch[from+k].PageID))
	}
}

// oneByOne writes the batch a line at a time after the database refused it whole, so that the lines it
// refuses are reported and the others stored.
func (im *importBatch) oneByOne(ctx context.Context) (Result, error) {
	var sum Result
	for i := range im.batch {
		out, err := im.in.SubmitFor(ctx, im.tenant, im.batch[i:i+1])
		if errors.Is(err, ErrRefused) {
			im.bad(im.lines[i], "the database refused this line; it was not imported")
			continue
		}
		if err != nil {
			return sum, err
		}
		im.notConnected(out.NotConnected, i)
		sum.Stored += out.Stored
		sum.Duplicates += out.Duplicates
	}
	return sum, nil
}

func readJSONLines(r io.Reader, each func(int, ImportRecord) error, bad func(int, string)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		raw := strings.TrimSpace(sc.Text())
		if raw == "" {
			continue
		}
		var rec ImportRecord
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			bad(line, importJSONProblem(err))
			continue
		}
		if err := each(line, rec); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: line %d: %v", ErrMalformed, line+1, err)
	}
	return nil
}

// csvColumns are the columns a CSV import may have; page_id, psid and sent_at are required.
var csvColumns = []string{"page_id", "psid", "mid", "direction", "sender", "text", "sent_at", "ref_source", "ref", "ad_id"}

func readCSV(r io.Reader, each func(int, ImportRecord) error, bad func(int, string)) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return &ErrBadFilter{Field: "body", Reason: "a CSV import needs a header row: " + strings.Join(csvColumns, ",")}
	}
	idx := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, c := range csvColumns {
			known = known || c == h
		}
		if !known {
			return &ErrBadFilter{Field: "body", Reason: fmt.Sprintf("unknown CSV column %q (known: %s)", h, strings.Join(csvColumns, ","))}
		}
		idx[h] = i
	}
	for _, req := range []string{"page_id", "psid", "sent_at"} {
		if _, ok := idx[req]; !ok {
			return &ErrBadFilter{Field: "body", Reason: "the CSV header lacks " + req}
		}
	}
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			bad(line, "unreadable CSV: "+err.Error())
			continue
		}
		get := func(k string) string {
			if i, ok := idx[k]; ok && i < len(row) {
				return row[i]
			}
			return ""
		}
		rec := ImportRecord{PageID: get("page_id"), PSID: get("psid"), MID: get("mid"), Direction: get("direction"),
			Sender: get("sender"), Text: get("text"), SentAt: json.RawMessage(strconv.Quote(get("sent_at")))}
		if s := get("ref_source"); s != "" || get("ref") != "" || get("ad_id") != "" {
			rec.Referral = &struct {
				Source string `json:"source"`
				Ref    string `json:"ref"`
				AdID   string `json:"ad_id"`
			}{s, get("ref"), get("ad_id")}
		}
		if err := each(line, rec); err != nil {
			return err
		}
	}
}

// events validates a record and turns it into a message event (with relance's own NLP on inbound text) and,
// when it carries one, a referral event, as a webhook would have delivered them.
func (rec ImportRecord) events(pages map[string]bool) ([]Event, error) {
	pageID, psid := strings.TrimSpace(rec.PageID), strings.TrimSpace(rec.PSID)
	switch {
	case pageID == "":
		return nil, badField("page_id", "page_id is required")
	case !pages[pageID]:
		return nil, badField("page_id", "page_id %.64q is not connected to this brand", pageID)
	case psid == "":
		return nil, badField("psid", "psid is required")
	case len(psid) > 32 || strings.Trim(psid, "0123456789") != "":
		// A PSID is Meta's page-scoped id: digits. Anything else could never be messaged or matched.
		return nil, badField("psid", "psid %.40q must be a page-scoped id: digits only, at most 32", psid)
	case len(rec.Text) > 20000:
		return nil, badField("text", "text must be at most 20000 bytes")
	}
	// Every stored string is valid UTF-8 without NUL: PostgreSQL refuses both, and one such line would
	// otherwise fail the batch it is written with.
	for _, f := range []struct{ name, v string }{{"text", rec.Text}, {"mid", rec.MID}, {"sender", rec.Sender},
		{"direction", rec.Direction}, {"referral", rec.referralText()}} {
		if !utf8.ValidString(f.v) || strings.ContainsRune(f.v, 0) {
			return nil, badField(f.name, "%s must be valid UTF-8 without NUL characters", f.name)
		}
	}
	if len(rec.MID) > 200 {
		return nil, badField("mid", "mid must be at most 200 characters")
	}
	at, err := importTime(rec.SentAt)
	if err != nil {
		return nil, badField("sent_at", "%s", err.Error())
	}
	e := Event{PageID: pageID, PSID: psid, At: at, Text: rec.Text, MID: strings.TrimSpace(rec.MID)}
	switch strings.ToLower(rec.Direction) {
	case "", "in":
		e.Kind, e.Sender = KindMessage, SenderUser
		e.Entities = nlp.Extract(rec.Text)
	case "out":
		e.Kind, e.Sender = KindEcho, SenderHuman
		switch rec.Sender {
		case "", SenderHuman:
		case SenderBot, SenderApp:
			e.Sender = rec.Sender
		default:
			return nil, badField("sender", "sender of an outgoing message must be bot, human or app")
		}
	default:
		return nil, badField("direction", `direction must be "in" or "out"`)
	}
	if e.MID == "" {
		h := sha256.Sum256([]byte(strings.Join([]string{pageID, psid, strconv.FormatInt(at, 10), e.Kind, rec.Text}, "\x00")))
		e.MID = "import:" + hex.EncodeToString(h[:12])
	}
	out := []Event{e}
	if rf := rec.Referral; rf != nil && (rf.Source != "" || rf.Ref != "" || rf.AdID != "") {
		r := Event{Kind: KindReferral, PageID: pageID, PSID: psid, At: at}
		r.Referral = referralOf(&wireReferral{Source: rf.Source, Ref: rf.Ref, AdID: flexID(rf.AdID), Type: "OPEN_THREAD"})
		out = append(out, r)
	}
	return out, nil
}

// referralText is the referral's fields end to end, for the checks every stored string passes.
func (rec ImportRecord) referralText() string {
	if rec.Referral == nil {
		return ""
	}
	return rec.Referral.Source + rec.Referral.Ref + rec.Referral.AdID
}

// importTime reads sent_at: RFC 3339, or epoch milliseconds as a number or a string.
func importTime(raw json.RawMessage) (int64, error) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" {
		return 0, errors.New("sent_at is required")
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UnixMilli(), nil
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil && v > 1e11 && v < 1e14 {
		return v, nil
	}
	return 0, fmt.Errorf("sent_at %q is neither RFC 3339 nor epoch milliseconds", s)
}

// importJSONProblem says in people's words why a JSON line is not a record of the import format: the
// decoder's own texts name Go types ("Go struct field ImportRecord.psid of type string").
func importJSONProblem(err error) string {
	var typ *json.UnmarshalTypeError
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("%s must be %s, not a JSON %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &typ):
		return fmt.Sprintf("the line must be a JSON object of the import format, not a JSON %s", typ.Value)
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at character %d of the line", syn.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Sprintf("unknown field %s: the import format's fields are page_id, psid, sent_at, mid, direction, sender, text and referral",
			strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return "the JSON object on this line is cut short"
	}
	return "not a JSON object of the import format"
}

// jsonKind names a Go kind as the JSON it is read from.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "a list"
	case "bool":
		return "true or false"
	}
	return "a number"
}
