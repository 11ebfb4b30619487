package nlp

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// labelled is one hand-labelled message of testdata/labelled.jsonl.
type labelled struct {
	Lang     string   `json:"lang"`
	Text     string   `json:"text"`
	Entities []string `json:"entities"`
}

func loadLabelled(tb testing.TB) []labelled {
	tb.Helper()
	f, err := os.Open("testdata/labelled.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var set []labelled
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			tb.Fatalf("labelled.jsonl:%d: %v", line, err)
		}
		if l.Lang != "en" && l.Lang != "fr" {
			tb.Fatalf("labelled.jsonl:%d: lang %q", line, l.Lang)
		}
		for _, e := range l.Entities {
			if !IsEntityName(e) {
				tb.Fatalf("labelled.jsonl:%d: unknown entity %q", line, e)
			}
		}
		set = append(set, l)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return set
}

// counts holds message-level confusion counts for one entity.
type counts struct{ tp, fp, fn int }

func (c counts) precision() float64 {
	if c.tp+c.fp == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fp)
}

func (c counts) recall() float64 {
	if c.tp+c.fn == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fn)
}

// score compares Extract with the labels at message level: an entity predicted in a message is a true positive
// if labelled there, a false positive if not; a labelled entity not predicted is a false negative.
func score(set []labelled, keep func(labelled) bool, verbose func(string)) map[string]*counts {
	res := map[string]*counts{}
	for _, n := range entityNames {
		res[n] = &counts{}
	}
	for _, l := range set {
		if !keep(l) {
			continue
		}
		want := map[string]bool{}
		for _, e := range l.Entities {
			want[e] = true
		}
		got := map[string]bool{}
		var values []string
		for _, e := range Extract(l.Text) {
			got[e.Name] = true
			values = append(values, e.Name+"="+e.Value)
		}
		for _, n := range entityNames {
			switch {
			case got[n] && want[n]:
				res[n].tp++
			case got[n]:
				res[n].fp++
				if verbose != nil {
					verbose(fmt.Sprintf("FP %-15s [%s] %q -> %v", n, l.Lang, l.Text, values))
				}
			case want[n]:
				res[n].fn++
				if verbose != nil {
					verbose(fmt.Sprintf("FN %-15s [%s] %q -> %v", n, l.Lang, l.Text, values))
				}
			}
		}
	}
	return res
}

func markdownTable(title string, res map[string]*counts) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s\n\n| entity | precision | recall | support | TP | FP | FN |\n|---|---:|---:|---:|---:|---:|---:|\n", title)
	for _, n := range entityNames {
		c := res[n]
		fmt.Fprintf(&b, "| %s | %.2f | %.2f | %d | %d | %d | %d |\n", n, c.precision(), c.recall(), c.tp+c.fn, c.tp, c.fp, c.fn)
	}
	return b.String()
}

// TestLabelledSet measures Extract against the hand-labelled set and fails if the entities that drive
// automation (e-mail, URL, phone, money) are not precise enough, or if the set shrank below a useful size.
func TestLabelledSet(t *testing.T) {
	set := loadLabelled(t)
	perLang := map[string]int{}
	for _, l := range set {
		perLang[l.Lang]++
	}
	if len(set) < 300 || perLang["en"] < 120 || perLang["fr"] < 120 {
		t.Fatalf("labelled set too small: %d messages (%d en, %d fr); want >= 300 and >= 120 per language", len(set), perLang["en"], perLang["fr"])
	}
	var verbose func(string)
	if os.Getenv("NLP_ERRORS") != "" {
		verbose = func(s string) { t.Log(s) }
	}
	all := score(set, func(labelled) bool { return true }, verbose)
	t.Log(markdownTable(fmt.Sprintf("All messages (%d: %d en, %d fr)", len(set), perLang["en"], perLang["fr"]), all))
	for _, lang := range []string{"en", "fr"} {
		t.Log(markdownTable(fmt.Sprintf("Language %s (%d messages)", lang, perLang[lang]), score(set, func(l labelled) bool { return l.Lang == lang }, nil)))
	}
	for _, n := range []string{Email, URL, PhoneNumber, AmountOfMoney} {
		if p := all[n].precision(); p < 0.9 {
			t.Errorf("precision of %s is %.2f, want >= 0.90", n, p)
		}
	}
}

// BenchmarkExtract runs Extract over the whole labelled set once per iteration.
func BenchmarkExtract(b *testing.B) {
	set := loadLabelled(b)
	b.ResetTimer()
	for b.Loop() {
		for _, l := range set {
			Extract(l.Text)
		}
	}
}
