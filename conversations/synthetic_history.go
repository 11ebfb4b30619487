package conversations

import (
	"strconv"
	"time"
)

// SyntheticMessage is one message of an older synthetic thread, as the Conversations API lists it.
type SyntheticMessage struct {
	MID      string
	At       time.Time
	FromPage bool
	Text     string
}

// History returns the i-th older thread of the generator's first Page: a person (PSID PSIDBase+i) who wrote
// before relance was connected, answered by a person in the Page Inbox, in the generator's voice. Its messages
// come oldest first, the last one within Days before End, over one to three visits. Relance learns such
// threads only by backfilling them through the Conversations API; the demo puts them in the sandbox for that.
// It draws from the same stream as Contact, so mix the two only in a fixed order.
func (s *Synthetic) History(i int) (psid string, msgs []SyntheticMessage) {
	r := s.rng
	psid = strconv.FormatInt(s.PSIDBase+int64(i), 10)
	lang := s.voice().pick(r)
	var t int64 // seconds from the thread's first message
	add := func(fromPage bool, text string) {
		msgs = append(msgs, SyntheticMessage{MID: "m_hist_" + psid + "_" + strconv.Itoa(len(msgs)+1), At: time.Unix(t, 0),
			FromPage: fromPage, Text: text})
		t += int64(60 + r.IntN(3600))
	}
	for visit := range 1 + r.IntN(3) {
		if visit > 0 {
			t += int64(1+r.IntN(30)) * 24 * 3600
		}
		for range 1 + r.IntN(3) {
			add(false, s.text(lang, psid))
			if r.IntN(3) > 0 {
				add(true, pickOf(r, lang.Human))
			}
		}
	}
	last := s.End.Add(-time.Duration(r.Int64N(int64(max(s.Days, 1))*24*3600)) * time.Second)
	shift := last.Unix() - msgs[len(msgs)-1].At.Unix()
	for k := range msgs {
		msgs[k].At = time.Unix(msgs[k].At.Unix()+shift, 0).UTC()
	}
	return psid, msgs
}
