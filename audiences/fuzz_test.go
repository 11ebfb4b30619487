package audiences

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"relance/database"
	"relance/internal/testdb"
	"relance/policy"
)

// FuzzRuleCompile feeds arbitrary bytes to the rule parser and, for every rule it accepts, compiles it under
// each policy profile and runs the statement on an empty database. Nothing may panic, a parsed rule must
// compile, the statement must be valid SQL on this database, and it must be parameterised: every piece of
// user text travels as an argument, the SQL itself holds only the compiler's own words (checkParameterised).
// Seeds: the rules of the benchmark and the files in testdata/rules.
func FuzzRuleCompile(f *testing.F) {
	for _, br := range benchRules {
		f.Add([]byte(br.rule))
	}
	seeds, _ := filepath.Glob(filepath.Join("testdata", "rules", "*.json"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	db := testdb.Open(f)
	words := sqlWords(f, db)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := Parse(raw, "rule")
		if err != nil {
			return
		}
		for _, profile := range policy.Profiles {
			q, err := Compile(r, "tenant-'x", "brand-?", profile, now)
			if err != nil {
				t.Fatalf("a parsed rule does not compile under %s: %v\n%s", profile, err, raw)
			}
			if err := checkParameterised(q, words); err != nil {
				t.Fatalf("%s: %v\nrule: %s\nwhere: %s", profile, err, raw, q.Where)
			}
			var n int64
			if err := db.R.WithContext(context.Background()).Raw("SELECT COUNT(*) FROM contacts WHERE "+q.Where, q.Args...).Scan(&n).Error; err != nil {
				t.Fatalf("%s: the statement fails: %v\nrule: %s\nwhere: %s", profile, err, raw, q.Where)
			}
		}
	})
}

// sqlLiterals are the only quoted strings the compiler writes itself.
var sqlLiterals = map[string]bool{`'|'`: true, `''`: true, `'in'`: true, `'postback'`: true, `'\'`: true}

// sqlKeywords are the words of SQL the compiler and the reachability conditions use.
var sqlKeywords = strings.Fields(`select from where and or not in is null like escape case when then else end order by
	desc asc limit exists lower trim substr union all x m s true false`)

// sqlWords is every word a compiled condition may contain: SQL keywords, the tables the compiler reads and
// their columns (asked from the database, so a new column needs no change here).
func sqlWords(tb testing.TB, db *database.DB) map[string]bool {
	tb.Helper()
	words := map[string]bool{}
	for _, w := range sqlKeywords {
		words[w] = true
	}
	for _, table := range []string{"contacts", "contact_events", "contact_entities", "messages", "audience_members", "audience_snapshots"} {
		words[table] = true
		rows, err := db.R.Raw("SELECT * FROM " + table + " WHERE 1 = 0").Rows()
		if err != nil {
			tb.Fatal(err)
		}
		cols, err := rows.Columns()
		_ = rows.Close()
		if err != nil {
			tb.Fatal(err)
		}
		for _, c := range cols {
			words[strings.ToLower(c)] = true
		}
	}
	return words
}

// checkParameterised reads a compiled condition token by token: words must be SQL or schema names, quoted
// strings the compiler's own, numbers the compiler's (times and windows), and there must be exactly one "?"
// per argument. User text in the SQL would show as an unknown word, a stray quote or a placeholder count off.
func checkParameterised(q Query, words map[string]bool) error {
	s, marks := q.Where, 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '?':
			marks++
			i++
		case c == '\'':
			j := i + 1
			for j < len(s) && s[j] != '\'' {
				j++
			}
			if j == len(s) {
				return fmt.Errorf("unterminated quote at %d", i)
			}
			if lit := s[i : j+1]; !sqlLiterals[lit] {
				return fmt.Errorf("quoted text %s is not one of the compiler's", lit)
			}
			i = j + 1
		case c >= '0' && c <= '9':
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			if w := strings.ToLower(s[i:j]); !words[w] {
				return fmt.Errorf("word %q is not SQL nor a column", s[i:j])
			}
			i = j
		case strings.IndexByte("()=<>!|&,.+-*/%", c) >= 0:
			i++
		default:
			return fmt.Errorf("character %q at %d", c, i)
		}
	}
	if marks != len(q.Args) {
		return fmt.Errorf("%d placeholders for %d arguments", marks, len(q.Args))
	}
	return nil
}

// TestFuzzSeeds keeps the fuzz seeds useful and the checker honest: every seed rule parses (a seed the parser
// refuses never reaches the compiler), and checkParameterised refuses user text written into the SQL.
func TestFuzzSeeds(t *testing.T) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "rules", "*.json"))
	if len(seeds) == 0 {
		t.Fatal("no seeds in testdata/rules")
	}
	for _, p := range seeds {
		b, _ := os.ReadFile(p)
		if _, err := Parse(b, "rule"); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	words := sqlWords(t, testdb.Open(t))
	for _, bad := range []Query{
		{Where: "contacts.psid = 'abc'"},
		{Where: "contacts.psid = ?", Args: []any{"a", "b"}},
		{Where: "contacts.psid = ? OR robert", Args: []any{"a"}},
		{Where: `contacts.psid = "x"`},
		{Where: "contacts.psid = ?; DROP TABLE contacts", Args: []any{"a"}},
	} {
		if checkParameterised(bad, words) == nil {
			t.Errorf("%q passes the check", bad.Where)
		}
	}
}
