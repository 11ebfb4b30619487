package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFXImport stores the ECB file from a path and from standard input, and refuses a broken one whole.
func TestFXImport(t *testing.T) {
	c := newCLI(t)
	body := "Date,USD,JPY,CYP,\n2024-11-29,1.0565,158.93,N/A,\n2024-11-28,1.0557,160.17,N/A,\n"
	file := filepath.Join(t.TempDir(), "eurofxref-hist.csv")
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	out := c.ok("", "fx", "import", file)
	if !strings.Contains(out, "imported 4 rates for 2 days (2024-11-28 to 2024-11-29) in 3 currencies") {
		t.Errorf("fx import printed %q", out)
	}
	if out := c.ok(body, "fx", "import", "-"); !strings.Contains(out, "imported 4 rates") {
		t.Errorf("fx import - printed %q", out)
	}
	_, err := c.run("Date,USD,\n2024-11-30,1.05.1,\n", "fx", "import", "-")
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a broken file: %v", err)
	}
	if _, err := c.run("", "fx", "import"); !errors.Is(err, errUsage) {
		t.Errorf("no file: %v", err)
	}
}
