package nlp

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maskByte replaces text that an earlier extractor already claimed, so that later ones do not reinterpret it
// (the digits of a phone number as a price, the domain of an e-mail as a URL). It is neither a word character
// nor white space, so it also stops patterns from running across a claimed region.
const maskByte = 0x1A

// doc is a message prepared for matching: every pattern runs on a folded copy (lower case, accents removed,
// typographic quotes, dashes and spaces made ASCII) so that "À BIENTÔT", "a bientot" and "à bientôt" match
// the same rule, while values are cut from the original text through the offset map.
type doc struct {
	orig string
	// f is the folded text and off maps each byte of f to the byte offset, in orig, of the rune it came from;
	// off has one extra entry, len(orig), for end positions.
	f   string
	off []int
	// rev maps a byte offset of orig (at a rune start) to the offset in f of the rune's folding, for the few
	// patterns that need the original capitalization.
	rev []int
	// work is f with claimed regions masked.
	work []byte
	// buf is the buffer f was copied from, kept for the next text.
	buf []byte
	// workTok and origTok are the word starts of work and orig, for fastRE; workTokOK is cleared by mask.
	workTok, origTok     tokenStarts
	workTokOK, origTokOK bool
}

// docPool recycles docs, whose buffers are most of what Extract allocates. Nothing Extract returns points into
// a doc: values are cut from the caller's text or built afresh.
var docPool = sync.Pool{New: func() any { return new(doc) }}

// maxPooledDoc is the largest text whose doc goes back to docPool, so that a pasted document does not keep
// large buffers alive.
const maxPooledDoc = 4 << 10

// newDoc prepares text for matching; release gives the doc back when it is no longer used.
func newDoc(text string) *doc {
	d := docPool.Get().(*doc)
	buf := d.buf[:0]
	off := d.off[:0]
	rev := d.rev[:0]
	if cap(rev) < len(text)+1 {
		rev = make([]int, len(text)+1)
	}
	rev = rev[:len(text)+1]
	for i, r := range text {
		rev[i] = len(buf)
		n := len(buf)
		buf = foldRune(buf, r)
		for j := n; j < len(buf); j++ {
			off = append(off, i)
		}
	}
	rev[len(text)] = len(buf)
	off = append(off, len(text))
	// Bytes inside a multi-byte rune of orig have no entry of their own; point them at the next rune so that
	// any offset maps somewhere sensible.
	for i := len(text) - 1; i >= 0; i-- {
		if !utf8.RuneStart(text[i]) {
			rev[i] = rev[i+1]
		}
	}
	work := append(d.work[:0], buf...)
	*d = doc{orig: text, f: string(buf), off: off, rev: rev, work: work, buf: buf,
		workTok: tokenStarts{starts: d.workTok.starts[:0]}, origTok: tokenStarts{starts: d.origTok.starts[:0]}}
	return d
}

// release gives d back to docPool; d must not be used afterwards.
func (d *doc) release() {
	if len(d.orig) <= maxPooledDoc {
		d.orig, d.f = "", ""
		docPool.Put(d)
	}
}

// origSpan returns the original text behind folded bytes [start, end).
func (d *doc) origSpan(start, end int) string {
	if start < 0 {
		start = 0
	}
	if end > len(d.f) {
		end = len(d.f)
	}
	if start >= end {
		return ""
	}
	return d.orig[d.off[start]:d.off[end]]
}

// origRuneAt returns the original rune that produced folded byte i, to test capitalization.
func (d *doc) origRuneAt(i int) rune {
	if i < 0 || i >= len(d.f) {
		return utf8.RuneError
	}
	r, _ := utf8.DecodeRuneInString(d.orig[d.off[i]:])
	return r
}

// isCapitalized reports whether the word starting at folded byte i was written with a capital letter.
func (d *doc) isCapitalized(i int) bool {
	return unicode.IsUpper(d.origRuneAt(i))
}

// mask claims folded bytes [start, end) so that later extractors ignore them.
func (d *doc) mask(start, end int) {
	for i := max(start, 0); i < end && i < len(d.work); i++ {
		if d.work[i] != maskByte {
			d.work[i] = maskByte
			d.workTokOK = false
		}
	}
}

// masked reports whether any byte of [start, end) is already claimed.
func (d *doc) masked(start, end int) bool {
	for i := max(start, 0); i < end && i < len(d.work); i++ {
		if d.work[i] == maskByte {
			return true
		}
	}
	return false
}

// latinFold caches the folding of U+0080–U+024F, where nearly all accented letters of French and English text
// live, so the common case does not allocate.
var latinFold = func() [0x250 - 0x80]string {
	var t [0x250 - 0x80]string
	for r := rune(0x80); r < 0x250; r++ {
		t[r-0x80] = string(foldSlow(nil, r))
	}
	return t
}()

func foldRune(buf []byte, r rune) []byte {
	if r < 0x80 {
		switch {
		case 'A' <= r && r <= 'Z':
			r += 'a' - 'A'
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7f:
			r = ' ' // control characters, including maskByte itself, must not look like claimed text
		}
		return append(buf, byte(r))
	}
	if r < 0x250 {
		return append(buf, latinFold[r-0x80]...)
	}
	return foldSlow(buf, r)
}

func foldSlow(buf []byte, r rune) []byte {
	switch r {
	case '\u00a0', '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008',
		'\u2009', '\u200a', '\u202f', '\u205f', '\u3000':
		// French typography puts (narrow) no-break spaces in "1 500 €" and before "?"; treat them as spaces.
		return append(buf, ' ')
	case '\u2018', '\u2019', '\u201b', '\u02bc', '\u2032', '\u00b4':
		return append(buf, '\'')
	case '\u201c', '\u201d', '\u201e', '\u00ab', '\u00bb':
		return append(buf, '"')
	case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212':
		return append(buf, '-')
	case 'œ', 'Œ':
		return append(buf, "oe"...)
	case 'æ', 'Æ':
		return append(buf, "ae"...)
	case 'ß':
		return append(buf, "ss"...)
	}
	if unicode.Is(unicode.Mn, r) {
		return buf
	}
	var tmp [utf8.UTFMax * 4]byte
	for _, c := range string(norm.NFD.AppendString(tmp[:0], string(r))) {
		if unicode.Is(unicode.Mn, c) {
			continue
		}
		buf = utf8.AppendRune(buf, unicode.ToLower(c))
	}
	return buf
}
