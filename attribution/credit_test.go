package attribution

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"relance/tenancy"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func day(d float64) time.Duration { return time.Duration(d * float64(24*time.Hour)) }

// touchesAt are touches of campaigns A, B, C… at the given days before t0+30d.
func touchesAt(days ...float64) []Touch {
	out := make([]Touch, len(days))
	for i, d := range days {
		out[i] = Touch{ID: fmt.Sprintf("t%d", i), Type: TouchRefLink, At: t0.Add(day(d)), CampaignID: string(rune('A' + i))}
	}
	return out
}

func TestCreditModelsAndWindows(t *testing.T) {
	// Touches of A (day 0), B (day 10), C (day 25); the conversion is on day 26, worth 100.00.
	touches := touchesAt(0, 10, 25)
	conv := t0.Add(day(26))
	cases := []struct {
		model  string
		window int
		want   map[string]int64
	}{
		{ModelLastTouch, 1, map[string]int64{"C": 10000}},
		{ModelLastTouch, 7, map[string]int64{"C": 10000}},
		{ModelLastTouch, 28, map[string]int64{"C": 10000}},
		{ModelFirstTouch, 1, map[string]int64{"C": 10000}},
		{ModelFirstTouch, 7, map[string]int64{"C": 10000}},
		{ModelFirstTouch, 28, map[string]int64{"A": 10000}},
		{ModelLinear, 1, map[string]int64{"C": 10000}},
		{ModelLinear, 7, map[string]int64{"C": 10000}},
		{ModelLinear, 28, map[string]int64{"A": 3334, "B": 3333, "C": 3333}},
	}
	for _, c := range cases {
		got := map[string]int64{}
		for _, s := range Credit(Choice{c.model, c.window}, conv, 10000, touches) {
			got[s.Touch.CampaignID] += s.Minor
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s, %d days: %v, want %v", c.model, c.window, got, c.want)
		}
	}
	// Day 16 sees A (16 days before) and B (6 days before); C comes after it and never counts.
	mid := t0.Add(day(16))
	for _, c := range []struct {
		model  string
		window int
		want   map[string]int64
	}{
		{ModelLastTouch, 1, map[string]int64{}},
		{ModelLastTouch, 7, map[string]int64{"B": 10000}},
		{ModelFirstTouch, 7, map[string]int64{"B": 10000}},
		{ModelFirstTouch, 28, map[string]int64{"A": 10000}},
		{ModelLastTouch, 28, map[string]int64{"B": 10000}},
		{ModelLinear, 28, map[string]int64{"A": 5000, "B": 5000}},
	} {
		got := map[string]int64{}
		for _, s := range Credit(Choice{c.model, c.window}, mid, 10000, touches) {
			got[s.Touch.CampaignID] += s.Minor
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("day 16, %s, %d days: %v, want %v", c.model, c.window, got, c.want)
		}
	}
}

func TestCreditWindowEdges(t *testing.T) {
	touches := touchesAt(0)
	for _, c := range []struct {
		after time.Duration
		in    bool
	}{{0, true}, {day(7), true}, {day(7) + time.Millisecond, false}, {-time.Millisecond, false}} {
		got := Credit(Choice{ModelLastTouch, 7}, t0.Add(c.after), 500, touches)
		if (len(got) == 1) != c.in {
			t.Errorf("a conversion %v after the touch: %v, want counted %v", c.after, got, c.in)
		}
	}
}

func TestLinearSplitsAreExact(t *testing.T) {
	cases := []struct {
		value int64
		n     int
		want  []int64
	}{
		{10000, 3, []int64{3334, 3333, 3333}},
		{1, 3, []int64{1, 0, 0}},
		{2, 3, []int64{1, 1, 0}},
		{0, 2, []int64{0, 0}},
		{999, 4, []int64{250, 250, 250, 249}},
		{7, 7, []int64{1, 1, 1, 1, 1, 1, 1}},
	}
	for _, c := range cases {
		days := make([]float64, c.n)
		for i := range days {
			days[i] = float64(i) / 10
		}
		got := Credit(Choice{ModelLinear, 28}, t0.Add(day(1)), c.value, touchesAt(days...))
		var minors []int64
		for _, s := range got {
			minors = append(minors, s.Minor)
		}
		if fmt.Sprint(minors) != fmt.Sprint(c.want) {
			t.Errorf("%d over %d touches: %v, want %v (remainder to the earliest)", c.value, c.n, minors, c.want)
		}
	}
	// Same instant: the id decides, whatever the input order.
	a := []Touch{{ID: "b", At: t0, CampaignID: "B"}, {ID: "a", At: t0, CampaignID: "A"}}
	if got := Credit(Choice{ModelLinear, 1}, t0, 3, a); got[0].Touch.ID != "a" || got[0].Minor != 2 {
		t.Errorf("ties: %+v", got)
	}
}

// TestCreditAddsUp is the property: for any touches and conversions, under every model and window, the
// credited value plus the unattributed value is the conversions' value, exactly.
func TestCreditAddsUp(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 2026))
	for round := 0; round < 2000; round++ {
		touches := make([]Touch, rng.IntN(12))
		for i := range touches {
			touches[i] = Touch{ID: fmt.Sprintf("t%03d", rng.IntN(50)), At: t0.Add(time.Duration(rng.Int64N(int64(day(60))))),
				CampaignID: fmt.Sprintf("c%d", rng.IntN(4))}
		}
		var total int64
		type conv struct {
			at    time.Time
			value int64
		}
		convs := make([]conv, 1+rng.IntN(8))
		for i := range convs {
			v := rng.Int64N(10_000_000)
			if rng.IntN(5) == 0 {
				v = rng.Int64N(5)
			}
			convs[i] = conv{t0.Add(time.Duration(rng.Int64N(int64(day(70))))), v}
			total += v
		}
		for _, m := range []string{ModelLastTouch, ModelFirstTouch, ModelLinear} {
			for _, w := range WindowDays {
				var credited, unattributed int64
				for _, c := range convs {
					shares := Credit(Choice{m, w}, c.at, c.value, touches)
					if len(shares) == 0 {
						unattributed += c.value
					}
					for _, s := range shares {
						if s.Minor < 0 {
							t.Fatalf("a negative share: %+v", s)
						}
						credited += s.Minor
					}
				}
				if credited+unattributed != total {
					t.Fatalf("round %d, %s %d days: %d credited + %d unattributed != %d", round, m, w, credited, unattributed, total)
				}
			}
		}
	}
}

func TestParseChoice(t *testing.T) {
	if c, err := ParseChoice("", ""); err != nil || c != (Choice{ModelLastTouch, 7}) {
		t.Errorf("defaults: %+v %v", c, err)
	}
	if c, err := ParseChoice("linear", "28"); err != nil || c != (Choice{ModelLinear, 28}) {
		t.Errorf("linear 28: %+v %v", c, err)
	}
	for _, c := range []struct{ model, window, field string }{
		{"last", "", "model"}, {"", "3", "window"}, {"", "7.5", "window"}, {"", "-1", "window"}, {"LINEAR", "", "model"},
	} {
		_, err := ParseChoice(c.model, c.window)
		var v *tenancy.ValidationError
		if !errors.As(err, &v) || v.Fields[c.field] == "" {
			t.Errorf("model %q window %q: %v, want an error on %s", c.model, c.window, err, c.field)
		}
	}
}
