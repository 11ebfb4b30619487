package nlp

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// updateGolden rewrites testdata/extract_golden.jsonl from the current Extract. Only use it for a deliberate
// change of behaviour, and review the diff of the golden file: it is what makes optimizations safe.
var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/extract_golden.jsonl from the current Extract")

const goldenPath = "testdata/extract_golden.jsonl"

// goldenLine is one line of testdata/extract_golden.jsonl: a message and Extract's exact output for it, in
// order, as "name=value@confidence".
type goldenLine struct {
	Text     string   `json:"text"`
	Entities []string `json:"entities"`
}

// typicalMessages are short messages such as the webhook receives all day long; BenchmarkExtractTypical runs
// over them and they are part of the golden file.
var typicalMessages = []string{
	"Hi! How much is the spring menu?",
	"Bonjour, vous livrez à Lyon demain ?",
	"My number is +1 415 555 0199",
	"Écrivez-moi à client@example.com",
	"Is the 49.90 EUR offer still valid tomorrow at 10am?",
	"Merci beaucoup !",
	"Can I book a table for 4 on Friday at 8pm?",
	"ok",
	"J'ai payé 35,50 € mais pas de facture",
	"👍",
	"Do you have it in blue?",
	"Send me the link please",
}

// goldenTexts are the messages of the golden file: the labelled set, then the typical messages.
func goldenTexts(tb testing.TB) []string {
	var texts []string
	for _, l := range loadLabelled(tb) {
		texts = append(texts, l.Text)
	}
	return append(texts, typicalMessages...)
}

func goldenEntities(text string) []string {
	out := []string{}
	for _, e := range Extract(text) {
		out = append(out, e.Name+"="+e.Value+"@"+strconv.FormatFloat(e.Confidence, 'g', -1, 64))
	}
	return out
}

// TestExtractGolden compares Extract, entity by entity and in order, with the snapshot in
// testdata/extract_golden.jsonl, so that any change of behaviour (an optimization that is not one) fails.
func TestExtractGolden(t *testing.T) {
	texts := goldenTexts(t)
	if *updateGolden {
		var b strings.Builder
		for _, text := range texts {
			line, err := json.Marshal(goldenLine{Text: text, Entities: goldenEntities(text)})
			if err != nil {
				t.Fatal(err)
			}
			b.Write(line)
			b.WriteByte('\n')
		}
		if err := os.WriteFile(goldenPath, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d lines to %s", len(texts), goldenPath)
		return
	}
	f, err := os.Open(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var golden []goldenLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		var g goldenLine
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			t.Fatalf("%s:%d: %v", goldenPath, len(golden)+1, err)
		}
		golden = append(golden, g)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(golden) != len(texts) {
		t.Fatalf("%s has %d lines for %d messages; run go test -run TestExtractGolden -update-golden after a deliberate change", goldenPath, len(golden), len(texts))
	}
	for i, g := range golden {
		if g.Text != texts[i] {
			t.Fatalf("%s:%d is for %q, want %q; regenerate it with -update-golden", goldenPath, i+1, g.Text, texts[i])
		}
		if got := goldenEntities(g.Text); strings.Join(got, "\n") != strings.Join(g.Entities, "\n") {
			t.Errorf("%s:%d: Extract(%q) = %q, want %q", goldenPath, i+1, g.Text, got, g.Entities)
		}
	}
}

// BenchmarkExtractTypical runs Extract over typicalMessages once per iteration; divide ns/op by
// len(typicalMessages) for the cost of one message.
func BenchmarkExtractTypical(b *testing.B) {
	for b.Loop() {
		for _, text := range typicalMessages {
			Extract(text)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(typicalMessages)), "ns/msg")
}

// TestExtractConcurrent runs Extract from several goroutines at once, as the webhook does: the docs it
// recycles and the prefilters it prepares on first use are shared (run it with -race).
func TestExtractConcurrent(t *testing.T) {
	texts := goldenTexts(t)
	want := make([][]string, len(texts))
	for i, text := range texts {
		want[i] = goldenEntities(text)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Go(func() {
			for k := range texts {
				i := (k + g*97) % len(texts)
				if got := goldenEntities(texts[i]); strings.Join(got, "\n") != strings.Join(want[i], "\n") {
					errs <- fmt.Sprintf("Extract(%q) = %q, want %q", texts[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
