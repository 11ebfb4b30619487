package nlp

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

func TestBatchBTmp(t *testing.T) {
	b := map[string]bool{}
	for _, f := range []string{"/tmp/nlpwork/en2.txt", "/tmp/nlpwork/fr2.txt"} {
		fh, _ := os.Open(f)
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if i := strings.IndexByte(sc.Text(), '|'); i >= 0 {
				b[sc.Text()[i+1:]] = true
			}
		}
		fh.Close()
	}
	set := loadLabelled(t)
	t.Log(markdownTable("batch B", score(set, func(l labelled) bool { return b[l.Text] }, nil)))
	t.Log(markdownTable("batch A", score(set, func(l labelled) bool { return !b[l.Text] }, nil)))
}
