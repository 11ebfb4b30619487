package audiences

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"gorm.io/gorm"

	"relance/tenancy"
)

// MaxImportRows caps a list imported by hand; larger lists belong in a rule.
const MaxImportRows = 1_000_000

// LineError is a line of an imported list that was left out, and why.
type LineError struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// ImportResult says what an import did: the new snapshot (nil when no line was usable), how many members it
// has, and the lines left out.
type ImportResult struct {
	Snapshot *Snapshot   `json:"snapshot"`
	Imported int         `json:"imported"`
	Errors   []LineError `json:"errors"`
}

// Import replaces a manual audience's members with a CSV list of PSIDs: a psid column, and a page_id column
// when the brand has several Pages (a header row names them; without one, the first column is the PSID).
// Every PSID must be a contact of the brand, so members always have a thread and a reachability; other
// lines are listed in Errors and the rest are kept, as a new snapshot.
func (s *Store) Import(ctx context.Context, audienceID string, body io.Reader) (ImportResult, error) {
	row, err := s.row(ctx, audienceID)
	if err != nil {
		return ImportResult{}, err
	}
	if row.Kind != KindManual {
		return ImportResult{}, ErrNotManual
	}
	res := ImportResult{Errors: []LineError{}}
	keys, err := s.readList(ctx, body, &res)
	if err != nil {
		return ImportResult{}, err
	}
	if len(keys) == 0 {
		return res, nil
	}
	sort.Strings(keys)
	snap, err := s.materialize(ctx, row, CauseImport, func(tx *gorm.DB, snapshotID string) (int64, error) {
		const chunk = 300
		for i := 0; i < len(keys); i += chunk {
			part := keys[i:min(i+chunk, len(keys))]
			ph := make([]string, len(part))
			args := make([]any, 0, 3*len(part))
			for j, k := range part {
				page, psid, _ := strings.Cut(k, "|")
				ph[j] = "(?, ?, ?)"
				args = append(args, snapshotID, page, psid)
			}
			if err := tx.Exec("INSERT INTO audience_members (snapshot_id, page_id, psid) VALUES "+strings.Join(ph, ", "), args...).Error; err != nil {
				return 0, err
			}
		}
		return int64(len(keys)), s.audit(ctx, tx, tenancy.ActionAudienceImport, row.ID, row.Name)
	})
	if err != nil {
		return ImportResult{}, err
	}
	res.Snapshot, res.Imported = &snap, len(keys)
	return res, nil
}

// listLine is a usable line of an imported list, not yet checked against the contacts.
type listLine struct {
	line       int
	page, psid string
}

// readList parses the CSV and resolves each line to a contact key "page|psid", deduplicated.
func (s *Store) readList(ctx context.Context, body io.Reader, res *ImportResult) ([]string, error) {
	var pages []string
	if err := s.db.R.WithContext(ctx).Table("pages").Where("tenant_id = ? AND brand_id = ?", s.tenant, s.brand.ID).
		Pluck("page_id", &pages).Error; err != nil {
		return nil, fmt.Errorf("audiences: import: %w", err)
	}
	r := csv.NewReader(body)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	psidCol, pageCol := 0, -1
	seen := map[string]bool{}
	var keys []string
	var batch []listLine
	flush := func() error {
		found, err := s.knownContacts(ctx, batch)
		if err != nil {
			return err
		}
		for _, p := range batch {
			k, ok := found(p.page, p.psid)
			switch {
			case !ok && p.page == "":
				res.Errors = append(res.Errors, LineError{p.line, "PSID " + p.psid + " is not a contact of this brand, or is one on several Pages: add a page_id column"})
			case !ok:
				res.Errors = append(res.Errors, LineError{p.line, "PSID " + p.psid + " is not a contact of Page " + p.page})
			case !seen[k]:
				seen[k] = true
				keys = append(keys, k)
			}
		}
		batch = batch[:0]
		return nil
	}
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				res.Errors = append(res.Errors, LineError{line, "not valid CSV: " + pe.Err.Error()})
				continue
			}
			return nil, fmt.Errorf("audiences: import: %w", err)
		}
		if line == 1 && isHeader(rec) {
			psidCol, pageCol = -1, -1
			for i, h := range rec {
				switch strings.ToLower(strings.TrimSpace(h)) {
				case "psid":
					psidCol = i
				case "page_id", "page":
					pageCol = i
				}
			}
			if psidCol < 0 {
				return nil, &tenancy.ValidationError{Fields: map[string]string{"file": "the header has no psid column"}}
			}
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(seen)+len(batch) >= MaxImportRows {
			res.Errors = append(res.Errors, LineError{line, fmt.Sprintf("the list stops here: at most %d PSIDs", MaxImportRows)})
			break
		}
		get := func(i int) string {
			if i < 0 || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		psid, page := get(psidCol), get(pageCol)
		switch {
		case psid == "" || strings.Trim(psid, "0123456789") != "":
			res.Errors = append(res.Errors, LineError{line, fmt.Sprintf("%q is not a PSID (digits only)", psid)})
			continue
		case page != "" && !contains(pages, page):
			res.Errors = append(res.Errors, LineError{line, "Page " + page + " is not connected to this brand"})
			continue
		case page == "" && len(pages) == 1:
			page = pages[0]
		}
		batch = append(batch, listLine{line, page, psid})
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return keys, nil
}

// knownContacts looks the batch up in the brand's contacts; the returned func resolves a line to its key.
// A line without a Page matches when exactly one of the brand's contacts has that PSID.
func (s *Store) knownContacts(ctx context.Context, batch []listLine) (func(page, psid string) (string, bool), error) {
	psids := make([]string, 0, len(batch))
	for _, p := range batch {
		psids = append(psids, p.psid)
	}
	var rows []struct{ PageID, Psid string }
	if len(psids) > 0 {
		if err := s.q(ctx, "contacts").Select("page_id, psid").Where("psid IN ?", psids).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("audiences: import: %w", err)
		}
	}
	pagesOf := map[string][]string{}
	for _, r := range rows {
		pagesOf[r.Psid] = append(pagesOf[r.Psid], r.PageID)
	}
	return func(page, psid string) (string, bool) {
		ps := pagesOf[psid]
		if page == "" {
			if len(ps) == 1 {
				return ps[0] + "|" + psid, true
			}
			return "", false
		}
		return page + "|" + psid, contains(ps, page)
	}, nil
}

// isHeader reports a first row that names columns rather than holding a PSID.
func isHeader(rec []string) bool {
	for _, f := range rec {
		if f = strings.TrimSpace(f); f != "" && strings.Trim(f, "0123456789") != "" {
			return true
		}
	}
	return false
}
