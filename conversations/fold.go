package conversations

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"relance/database"
)

// FoldText is the form in which text search compares texts: Unicode case folding between NFKC
// normalisations, so that "CAFÉ", "Café" and "café" (composed or not) are alike, as are "STRASSE" and
// "Straße". SQL's LOWER cannot do it on both databases: SQLite's folds ASCII only, PostgreSQL's follows
// the server's locale.
func FoldText(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	if !norm.NFKC.IsNormalString(s) {
		s = norm.NFKC.String(s)
	}
	c := folders.Get().(cases.Caser)
	f := c.String(s)
	folders.Put(c)
	if !norm.NFKC.IsNormalString(f) {
		f = norm.NFKC.String(f)
	}
	return f
}

// folders holds case folders: a Caser keeps state between calls, and searches run on many goroutines.
var folders = sync.Pool{New: func() any { return cases.Fold() }}

// foldColumn is what messages.text_fold stores for a text: its folded form, or "" when folding leaves it
// as it is (most short lower-case messages), which keeps the column small.
func foldColumn(text string) string {
	if f := FoldText(text); f != text {
		return f
	}
	return ""
}

// FoldedTextSQL is the folded text of the messages row aliased x, for LIKE with ContainsPattern. A NULL
// text_fold is a message stored before the column existed and not yet filled (see FillTextFold).
const FoldedTextSQL = `(CASE WHEN x.text_fold IS NULL THEN LOWER(x.text) WHEN x.text_fold = '' THEN x.text ELSE x.text_fold END)`

// ContainsPattern is the LIKE pattern (ESCAPE '\') matching folded texts that contain s, whatever its case.
// It folds before escaping: NFKC turns a full-width "％" into a "%" that must stay a literal.
func ContainsPattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(FoldText(s)) + "%"
}

// FillTextFold computes text_fold for messages stored before the column existed, a thousand at a time,
// until none is left or ctx ends. Searches read LOWER(text) for them meanwhile. Several instances may run
// it at once: each writes the same value.
func FillTextFold(ctx context.Context, db *database.DB, log *slog.Logger) {
	var last int64
	filled := 0
	for ctx.Err() == nil {
		var rows []struct {
			ID   int64
			Text string
		}
		if err := db.R.WithContext(ctx).Raw("SELECT id, text FROM messages WHERE id > ? AND text_fold IS NULL ORDER BY id LIMIT 1000", last).
			Scan(&rows).Error; err != nil {
			if ctx.Err() == nil {
				log.Warn("filling messages.text_fold failed", "err", err)
			}
			return
		}
		if len(rows) == 0 {
			break
		}
		err := db.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			for _, r := range rows {
				if err := tx.Exec("UPDATE messages SET text_fold = ? WHERE id = ?", foldColumn(r.Text), r.ID).Error; err != nil {
					return fmt.Errorf("conversations: fill text_fold: %w", err)
				}
			}
			return nil
		})
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("filling messages.text_fold failed", "err", err)
			}
			return
		}
		last = rows[len(rows)-1].ID
		filled += len(rows)
		time.Sleep(10 * time.Millisecond) // leave the writer to webhooks between chunks
	}
	if filled > 0 {
		log.Info("messages.text_fold filled", "messages", filled)
	}
}
