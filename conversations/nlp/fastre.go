package nlp

import (
	"math/bits"
	"regexp"
	"regexp/syntax"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Extract runs on every inbound message, and unanchored regexps are slow on it: most patterns start with
// \b and an alternation of words (no literal prefix), so Go's matcher tries every alternative at every byte.
// A fastRE gives exactly the results of its regexp, faster: it works out from the compiled program which byte
// strings a match can start with (up to fastREMaxPrefix bytes: "tom", "2024", "12/") and where it can start
// (after a non-word byte, for patterns that open with \b and a word character), and runs the regexp, anchored,
// only at the few positions that pass. Patterns the analysis cannot prove safe to run that way, and long
// texts, go to the regexp itself. TestFastREEquivalence and FuzzFastRE compare the two on every pattern.
type fastRE struct {
	re *regexp.Regexp
	// The rest is set by prepare, once.
	once sync.Once
	anch *regexp.Regexp // ^(?:re), run on text[p:] at candidate positions p
	mode fastREMode
	// A match always starts with one of the prefixes (in canonical bytes): short holds those of one byte and
	// prefixes the longer ones. first holds the first bytes of all of them; pairs[a] has bit b when a prefix
	// of two bytes or more starts with bytes of pair codes a and b, and rows bit a when pairs[a] is not
	// empty. They are cheap tests to run before the prefixes.
	first    byteSet
	short    byteSet
	pairs    [64]uint64
	rows     uint64
	prefixes prefixSet
}

type fastREMode uint8

const (
	// fastREPlain: the analysis failed (a match may be empty, start with a non-ASCII rune, or depend on ^);
	// every call goes to the regexp.
	fastREPlain fastREMode = iota
	// fastREAny: no assertion is checked before the first byte of a match, so an anchored run on text[p:]
	// decides the match at p.
	fastREAny
	// fastREWord: every match starts with \b and a word byte, so it can only start after a non-word byte (or at
	// the start of the text), where text[p:] gives \b the same context.
	fastREWord
	// fastREMixed: matches start either with \b and a word byte, as in fastREWord, or with no assertion and a
	// non-word byte, as in fastREAny ("EUR 15", "€15").
	fastREMixed
)

const (
	// fastREMaxPrefix is the length of the prefixes tested at each candidate position.
	fastREMaxPrefix = 6
	// fastREMaxStates bounds the analysis: a level of the prefix tree wider than this is cut short.
	fastREMaxStates = 1024
	// fastREMaxClass is the widest step (in ASCII bytes) the prefixes go through.
	fastREMaxClass = 40
	// fastREMaxInput is the text length above which calls go to the regexp. Each anchored run costs at most
	// about a microsecond more than the regexp's own work at that position (Go's matcher clears a bitmap of
	// up to 32 kB before backtracking, and runs an automaton on longer texts), so even texts full of
	// candidates cost less than the unanchored regexp; the bound is only a safety net above MaxExtractBytes.
	fastREMaxInput = 64 << 10
)

// fastREs lists every fastRE built, for the equivalence tests.
var fastREs []*fastRE

// mustFastRE compiles pattern like regexp.MustCompile. The prefilter is prepared on first use: it takes a
// few milliseconds for all patterns, which programs that import the package without extracting should not pay.
func mustFastRE(pattern string) *fastRE {
	r := &fastRE{re: regexp.MustCompile(pattern)}
	fastREs = append(fastREs, r)
	return r
}

// ready prepares the prefilter if that is not done yet, and returns the mode.
func (r *fastRE) ready() fastREMode {
	r.once.Do(r.prepare)
	return r.mode
}

func (r *fastRE) prepare() {
	pattern := r.re.String()
	parsed, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return
	}
	prog, err := syntax.Compile(parsed.Simplify())
	if err != nil {
		return
	}
	if !r.analyze(prog) {
		r.mode = fastREPlain
		return
	}
	r.anch = regexp.MustCompile(`^(?:` + pattern + `)`)
}

type byteSet [4]uint64

func (s *byteSet) add(b byte)      { s[b>>6] |= 1 << (b & 63) }
func (s *byteSet) has(b byte) bool { return s[b>>6]&(1<<(b&63)) != 0 }
func (s *byteSet) intersects(o *byteSet) bool {
	return s[0]&o[0]|s[1]&o[1]|s[2]&o[2]|s[3]&o[3] != 0
}
func (s *byteSet) count() int {
	return bits.OnesCount64(s[0]) + bits.OnesCount64(s[1]) + bits.OnesCount64(s[2]) + bits.OnesCount64(s[3])
}

// isREWordByte is regexp's \w, which \b is defined on: ASCII letters of both cases, digits and underscore.
func isREWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// analyze sets mode, first, short and sets from the compiled program; it returns false when the pattern must
// be left to the regexp.
func (r *fastRE) analyze(prog *syntax.Prog) bool {
	// Where can a match start? Follow the program from its start to the first rune instructions, noting
	// whether each is reached through \b or through no assertion at all; any other assertion there (^, \B…)
	// is left to the regexp.
	type state struct {
		pc     uint32
		passWB bool
	}
	seen := map[state]bool{}
	var starts []uint32
	viaWB, viaNone := map[uint32]bool{}, map[uint32]bool{}
	ok := true
	var walk func(pc uint32, passWB bool)
	walk = func(pc uint32, passWB bool) {
		if seen[state{pc, passWB}] {
			return
		}
		seen[state{pc, passWB}] = true
		inst := &prog.Inst[pc]
		switch inst.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			walk(inst.Out, passWB)
			walk(inst.Arg, passWB)
		case syntax.InstCapture, syntax.InstNop:
			walk(inst.Out, passWB)
		case syntax.InstEmptyWidth:
			if syntax.EmptyOp(inst.Arg) != syntax.EmptyWordBoundary {
				ok = false
			}
			walk(inst.Out, true)
		case syntax.InstMatch:
			ok = false // an empty match
		case syntax.InstFail:
		default:
			if !viaWB[pc] && !viaNone[pc] {
				starts = append(starts, pc)
			}
			if passWB {
				viaWB[pc] = true
			} else {
				viaNone[pc] = true
			}
		}
	}
	walk(uint32(prog.Start), false)
	if !ok {
		return false
	}
	// A match through \b must start with a word byte, and one through no assertion with anything else, so
	// that a candidate position tells which kind it is: a word byte after another cannot start a match (\b
	// fails), and elsewhere text[p:] gives \b the same context as the whole text. A non-ASCII first rune is
	// accepted where it cannot be U+FFFD, so that positions inside a rune (which the regexp never tries, and
	// where text[p:] reads U+FFFD) never match.
	for _, pc := range starts {
		inst := &prog.Inst[pc]
		ascii, other := instBytes(inst)
		words := 0
		for b := 0; b < 128; b++ {
			if ascii.has(byte(b)) && isREWordByte(byte(b)) {
				words++
			}
		}
		switch {
		case viaWB[pc] && viaNone[pc]:
			return false
		case viaWB[pc] && (other || words != ascii.count()):
			return false
		case viaNone[pc] && other && inst.MatchRune(utf8.RuneError):
			return false
		}
		if viaNone[pc] && words > 0 {
			r.mode = fastREAny // checked below: then no start may need \b
		}
	}
	switch {
	case len(viaWB) == 0:
		r.mode = fastREAny
	case r.mode == fastREAny:
		return false // a word byte could start a match after another through no assertion, or not through \b
	case len(viaNone) == 0:
		r.mode = fastREWord
	default:
		r.mode = fastREMixed
	}

	// Which bytes can a match start with? Expand the program level by level into the prefixes of its
	// matches, up to fastREMaxPrefix bytes or fastREMaxStates states. Prefixes are kept packed, as in the sets.
	type prefix struct {
		key uint64
		n   uint8
	}
	type item struct {
		p  prefix
		pc uint32
	}
	type closed struct {
		runes []uint32
		match bool
	}
	closures := make([]*closed, len(prog.Inst))
	closure := func(pc uint32) *closed {
		if c := closures[pc]; c != nil {
			return c
		}
		c := &closed{}
		seen := make([]bool, len(prog.Inst))
		var walk func(pc uint32)
		walk = func(pc uint32) {
			if seen[pc] {
				return
			}
			seen[pc] = true
			inst := &prog.Inst[pc]
			switch inst.Op {
			case syntax.InstAlt, syntax.InstAltMatch:
				walk(inst.Out)
				walk(inst.Arg)
			case syntax.InstCapture, syntax.InstNop, syntax.InstEmptyWidth:
				walk(inst.Out) // assertions past the first byte are left to the regexp: skipping them widens
			case syntax.InstMatch:
				c.match = true
			case syntax.InstFail:
			default:
				c.runes = append(c.runes, pc)
			}
		}
		walk(pc)
		closures[pc] = c
		return c
	}
	prefixes := map[prefix]bool{}
	var level []item
	for _, pc := range starts {
		level = append(level, item{prefix{}, pc})
	}
	for depth := 0; depth < fastREMaxPrefix && len(level) > 0; depth++ {
		seen := map[item]bool{}
		var next []item
		stop := func(p prefix) bool {
			prefixes[p] = true
			return p.n > 0
		}
		for _, it := range level {
			ascii, other := instBytes(&prog.Inst[it.pc])
			if ascii.count() > fastREMaxClass {
				// A step as broad as [^\s] tells little apart: the prefix stops before it.
				if !stop(it.p) {
					return false
				}
				continue
			}
			if other {
				// A non-ASCII rune (or an invalid byte) is read from a byte >= 0x80, whose canonical form ends
				// the prefix: the rune may be longer than one byte.
				stop(prefix{it.p.key | canonHigh<<(8*it.p.n), it.p.n + 1})
			}
			c := closure(prog.Inst[it.pc].Out)
			for b := 0; b < 128; b++ {
				if !ascii.has(byte(b)) {
					continue
				}
				p := prefix{it.p.key | uint64(canon[b])<<(8*it.p.n), it.p.n + 1}
				if c.match {
					prefixes[p] = true
				}
				for _, pc := range c.runes {
					if n := (item{p, pc}); !seen[n] {
						seen[n] = true
						next = append(next, n)
					}
				}
			}
			if len(next) > fastREMaxStates {
				break
			}
		}
		if len(next) > fastREMaxStates {
			// Too many ways on: keep this level's prefixes.
			for _, it := range level {
				if !stop(it.p) {
					return false
				}
			}
			level = nil
			break
		}
		level = next
	}
	for _, it := range level {
		prefixes[it.p] = true
	}
	var keys []uint64
	for p := range prefixes {
		first := byte(p.key)
		r.first.add(first)
		if p.n == 1 {
			r.short.add(first)
			continue
		}
		r.pairs[pairCode[first]] |= 1 << pairCode[byte(p.key>>8)]
		r.rows |= 1 << pairCode[first]
		keys = append(keys, prefixKey(p.key, int(p.n)))
	}
	r.prefixes.build(keys)
	return true
}

// packPrefix packs the canonical forms of the bytes of p (at most seven) into a key of the prefix sets.
func packPrefix[T string | []byte](p T) uint64 {
	var k uint64
	for i := len(p) - 1; i >= 0; i-- {
		k = k<<8 | uint64(canon[p[i]])
	}
	return k
}

// instBytes returns the ASCII bytes a rune instruction matches, and whether it matches anything else: a
// non-ASCII rune, or an invalid byte, which the regexp reads as U+FFFD.
func instBytes(inst *syntax.Inst) (ascii byteSet, other bool) {
	add := func(lo, hi rune) {
		for c := lo; c <= hi && c < 0x80; c++ {
			ascii.add(byte(c))
		}
		other = other || hi >= 0x80
	}
	switch inst.Op {
	case syntax.InstRune1:
		add(inst.Rune[0], inst.Rune[0])
	case syntax.InstRune:
		if len(inst.Rune) == 1 {
			// A single rune with case folding.
			r := inst.Rune[0]
			for f := r; ; {
				add(f, f)
				if f = unicode.SimpleFold(f); f == r {
					break
				}
			}
			break
		}
		for i := 0; i+1 < len(inst.Rune); i += 2 {
			add(inst.Rune[i], inst.Rune[i+1])
		}
	default: // InstRuneAny, InstRuneAnyNotNL
		add(0, unicode.MaxRune)
		if inst.Op == syntax.InstRuneAnyNotNL {
			ascii[0] &^= 1 << '\n'
		}
	}
	return ascii, other
}

// canon maps each byte to the one prefixes are stored with: digits to '0', upper-case ASCII letters to 'A',
// regexp's white space (\s) to a space, and every byte from 0x80 to canonHigh. Merging them keeps the prefix
// sets small (\d{1,4} alone would have over 10,000 prefixes), at the cost of a few more anchored runs: the
// shape of a prefix ("00/", "0 h", "0pm") is what tells most texts apart.
var canon = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		switch {
		case i >= 0x80:
			t[i] = canonHigh
		case '0' <= i && i <= '9':
			t[i] = '0'
		case 'A' <= i && i <= 'Z':
			t[i] = 'A'
		case i == '\t' || i == '\n' || i == '\f' || i == '\r':
			t[i] = ' '
		}
	}
	return t
}()

const canonHigh = 0x80

// pairCode maps each byte to one of 64 codes (through canon: letters, '0', 'A', space, canonHigh and common
// punctuation get their own, the rest share 63), to index fastRE.pairs.
var pairCode = func() (t [256]uint8) {
	codes := map[byte]uint8{'0': 26, 'A': 27, ' ': 28, canonHigh: 29}
	for i, c := range []byte("'.,-/:$@()+#&!?;_%\"*=<>[]{}~^|\\`") {
		codes[c] = uint8(30 + i)
	}
	for i := range t {
		c := canon[i]
		switch code, ok := codes[c]; {
		case 'a' <= c && c <= 'z':
			t[i] = c - 'a'
		case ok:
			t[i] = code
		default:
			t[i] = 63
		}
	}
	return t
}()

// candidate reports whether a match may start at byte p of s.
func candidate[T string | []byte](r *fastRE, s T, p int) bool {
	c := canon[s[p]]
	if !r.first.has(c) {
		return false
	}
	if r.mode != fastREAny && p > 0 && isREWordByte(s[p-1]) && isREWordByte(s[p]) {
		return false
	}
	if r.short.has(c) {
		return true
	}
	if p+1 >= len(s) || r.pairs[pairCode[c]]&(1<<pairCode[s[p+1]]) == 0 {
		return false
	}
	for l := 2; l <= fastREMaxPrefix && p+l <= len(s); l++ {
		if r.prefixes.lens&(1<<l) != 0 && r.prefixes.has(prefixKey(packPrefix(s[p:p+l]), l)) {
			return true
		}
	}
	return false
}

// prefixKey is the key of a packed prefix of n bytes in a prefixSet.
func prefixKey(packed uint64, n int) uint64 { return packed | uint64(n)<<56 }

// prefixSet is a set of prefixKeys: an open-addressing hash table, which costs less to probe than a map.
type prefixSet struct {
	table []uint64 // 0 is an empty slot
	shift uint
	lens  uint8 // bit n is set when a key has n bytes
}

func (ps *prefixSet) build(keys []uint64) {
	size := 8
	for size < 2*len(keys) {
		size *= 2
	}
	ps.table = make([]uint64, size)
	ps.shift = uint(64 - bits.TrailingZeros(uint(size)))
	for _, k := range keys {
		ps.lens |= 1 << (k >> 56)
		i := ps.slot(k)
		for ps.table[i] != 0 && ps.table[i] != k {
			i = (i + 1) & (len(ps.table) - 1)
		}
		ps.table[i] = k
	}
}

func (ps *prefixSet) slot(k uint64) int { return int((k * 0x9E3779B97F4A7C15) >> ps.shift) }

func (ps *prefixSet) has(k uint64) bool {
	if len(ps.table) == 0 {
		return false
	}
	for i := ps.slot(k); ; i = (i + 1) & (len(ps.table) - 1) {
		switch ps.table[i] {
		case k:
			return true
		case 0:
			return false
		}
	}
}

// len returns the number of keys.
func (ps *prefixSet) len() int {
	n := 0
	for _, k := range ps.table {
		if k != 0 {
			n++
		}
	}
	return n
}

// usable reports whether the prefilter applies to a text of length n.
func (r *fastRE) usable(n int) bool {
	return n <= fastREMaxInput && r.ready() != fastREPlain
}

// fastFindAll is regexp's FindAll…Index loop with the anchored regexp run only at candidates. Matches are never
// empty (the analysis rejects patterns that can match ""), so each search resumes where the last match ended.
// ok is false if an empty match shows up anyway; the caller then asks the regexp.
func fastFindAll[T string | []byte](r *fastRE, s T, n int, exec func(T) []int) (out [][]int, ok bool) {
	if n < 0 {
		n = len(s) + 1
	}
	for p := 0; p < len(s) && len(out) < n; p++ {
		if !candidate(r, s, p) {
			continue
		}
		m := exec(s[p:])
		if m == nil {
			continue
		}
		if m[1] <= 0 {
			return nil, false
		}
		shift(m, p)
		out = append(out, m)
		p = m[1] - 1
	}
	return out, true
}

// tokenStarts lists where words (runs of regexp's \w) start in a text: the only places where a fastREWord
// match can start. first holds the canonical forms of their first bytes, so that a pattern none of whose
// prefixes starts with one of them is skipped at once.
type tokenStarts struct {
	starts []int32
	first  byteSet
	// pairs and rows are as in fastRE, for the first two bytes of each word start (when there are two bytes).
	pairs [64]uint64
	rows  uint64
}

func (t *tokenStarts) scan(s []byte) { scanTokens(t, s) }

func scanTokens[T string | []byte](t *tokenStarts, s T) {
	t.starts = t.starts[:0]
	t.first = byteSet{}
	t.pairs = [64]uint64{}
	t.rows = 0
	for p := 0; p < len(s); p++ {
		if isREWordByte(s[p]) && (p == 0 || !isREWordByte(s[p-1])) {
			t.starts = append(t.starts, int32(p))
			t.first.add(canon[s[p]])
			if p+1 < len(s) {
				a := pairCode[s[p]]
				t.pairs[a] |= 1 << pairCode[s[p+1]]
				t.rows |= 1 << a
			}
		}
	}
}

// fastFindAllAt is fastFindAll for a fastREWord pattern, trying only the word starts of s listed in t.
func fastFindAllAt[T string | []byte](r *fastRE, s T, t *tokenStarts, exec func(T) []int) (out [][]int, ok bool) {
	if !r.short.intersects(&t.first) {
		// Unless a prefix of one byte matches, one of two bytes must: compare the pairs of the rows both have.
		found := false
		for rows := r.rows & t.rows; rows != 0 && !found; rows &= rows - 1 {
			a := bits.TrailingZeros64(rows)
			found = r.pairs[a]&t.pairs[a] != 0
		}
		if !found {
			return nil, true
		}
	}
	pos := 0
	for _, p32 := range t.starts {
		p := int(p32)
		if p < pos || !candidate(r, s, p) {
			continue
		}
		m := exec(s[p:])
		if m == nil {
			continue
		}
		if m[1] <= 0 {
			return nil, false
		}
		shift(m, p)
		out = append(out, m)
		pos = m[1]
	}
	return out, true
}

// submatches is re.FindAllSubmatchIndex(d.work, -1).
func (d *doc) submatches(re *fastRE) [][]int {
	if len(d.work) <= fastREMaxInput && re.ready() == fastREWord {
		if out, ok := fastFindAllAt(re, d.work, d.workTokens(), re.anch.FindSubmatchIndex); ok {
			return out
		}
	}
	return re.FindAllSubmatchIndex(d.work, -1)
}

// matches is re.FindAllIndex(d.work, -1).
func (d *doc) matches(re *fastRE) [][]int {
	if len(d.work) <= fastREMaxInput && re.ready() == fastREWord {
		if out, ok := fastFindAllAt(re, d.work, d.workTokens(), re.anch.FindIndex); ok {
			return out
		}
	}
	return re.FindAllIndex(d.work, -1)
}

// origMatches is re.FindAllStringIndex(d.orig, -1).
func (d *doc) origMatches(re *fastRE) [][]int {
	if len(d.orig) <= fastREMaxInput && re.ready() == fastREWord {
		if !d.origTokOK {
			scanTokens(&d.origTok, d.orig)
			d.origTokOK = true
		}
		if out, ok := fastFindAllAt(re, d.orig, &d.origTok, re.anch.FindStringIndex); ok {
			return out
		}
	}
	return re.FindAllStringIndex(d.orig, -1)
}

// workTokens returns the word starts of d.work, scanning it again if it was masked since.
func (d *doc) workTokens() *tokenStarts {
	if !d.workTokOK {
		d.workTok.scan(d.work)
		d.workTokOK = true
	}
	return &d.workTok
}

// FindAllSubmatchIndex is regexp.Regexp.FindAllSubmatchIndex.
func (r *fastRE) FindAllSubmatchIndex(b []byte, n int) [][]int {
	if r.usable(len(b)) {
		if out, ok := fastFindAll(r, b, n, r.anch.FindSubmatchIndex); ok {
			return out
		}
	}
	return r.re.FindAllSubmatchIndex(b, n)
}

// FindAllIndex is regexp.Regexp.FindAllIndex.
func (r *fastRE) FindAllIndex(b []byte, n int) [][]int {
	if r.usable(len(b)) {
		if out, ok := fastFindAll(r, b, n, r.anch.FindIndex); ok {
			return out
		}
	}
	return r.re.FindAllIndex(b, n)
}

// FindAllStringIndex is regexp.Regexp.FindAllStringIndex.
func (r *fastRE) FindAllStringIndex(s string, n int) [][]int {
	if r.usable(len(s)) {
		if out, ok := fastFindAll(r, s, n, r.anch.FindStringIndex); ok {
			return out
		}
	}
	return r.re.FindAllStringIndex(s, n)
}

// FindStringIndex is regexp.Regexp.FindStringIndex.
func (r *fastRE) FindStringIndex(s string) []int {
	if r.usable(len(s)) {
		if out, ok := fastFindAll(r, s, 1, r.anch.FindStringIndex); ok {
			if len(out) == 0 {
				return nil
			}
			return out[0]
		}
	}
	return r.re.FindStringIndex(s)
}

// Match is regexp.Regexp.Match.
func (r *fastRE) Match(b []byte) bool {
	if r.usable(len(b)) {
		for p := range b {
			if candidate(r, b, p) && r.anch.Match(b[p:]) {
				return true
			}
		}
		return false
	}
	return r.re.Match(b)
}

// MatchString is regexp.Regexp.MatchString.
func (r *fastRE) MatchString(s string) bool {
	if r.usable(len(s)) {
		for p := 0; p < len(s); p++ {
			if candidate(r, s, p) && r.anch.MatchString(s[p:]) {
				return true
			}
		}
		return false
	}
	return r.re.MatchString(s)
}

// NumSubexp is regexp.Regexp.NumSubexp.
func (r *fastRE) NumSubexp() int { return r.re.NumSubexp() }

// String returns the pattern.
func (r *fastRE) String() string { return r.re.String() }

// shift moves a submatch index slice found in s[p:] to offsets in s (-1 marks a group that did not match).
func shift(m []int, p int) {
	for i := range m {
		if m[i] >= 0 {
			m[i] += p
		}
	}
}
