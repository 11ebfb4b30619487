package attribution

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"testing/quick"
	"time"
)

// creditCase is a random set of touches and conversions for the property below. Touches and conversions fall
// within 70 days, often at the same instant (whole hours), ids repeat, and values run from 0 to 10^15 minor
// units (a billion euros and more) with many small ones, where remainders matter most.
type creditCase struct {
	Touches []Touch
	Convs   []creditConv
}

// creditConv is one conversion of a creditCase.
type creditConv struct {
	At    time.Time
	Value int64
}

// Generate makes a creditCase for testing/quick.
func (creditCase) Generate(r *rand.Rand, size int) reflect.Value {
	var c creditCase
	at := func() time.Time { return t0.Add(time.Duration(r.Int63n(70*24)) * time.Hour) }
	c.Touches = make([]Touch, r.Intn(size+1))
	for i := range c.Touches {
		c.Touches[i] = Touch{ID: fmt.Sprintf("t%02d", r.Intn(40)), At: at(), CampaignID: fmt.Sprintf("c%d", r.Intn(5)),
			Type: []string{TouchAdReferral, TouchRefLink, TouchPayload, TouchSendReply}[r.Intn(4)]}
	}
	c.Convs = make([]creditConv, 1+r.Intn(size+1))
	for i := range c.Convs {
		v := r.Int63n(1_000_000_000_000_000 + 1)
		switch r.Intn(3) {
		case 0:
			v = r.Int63n(10)
		case 1:
			v = r.Int63n(100_000)
		}
		c.Convs[i] = creditConv{At: at(), Value: v}
	}
	return reflect.ValueOf(c)
}

// TestCreditedRevenueAddsUpExactly is the property of issue 11: for any touches and conversions, under each
// model and window, the revenue credited to campaigns sums to the revenue of the conversions credited, to the
// minor unit; each credited conversion's shares sum to its own value, none is negative, and the same read
// twice credits the same.
func TestCreditedRevenueAddsUpExactly(t *testing.T) {
	property := func(c creditCase) bool {
		for _, m := range []string{ModelLastTouch, ModelFirstTouch, ModelLinear} {
			for _, w := range WindowDays {
				ch := Choice{m, w}
				var credited, creditedRevenue int64
				perCampaign := map[string]int64{}
				for _, cv := range c.Convs {
					shares := Credit(ch, cv.At, cv.Value, c.Touches)
					if len(shares) == 0 {
						continue
					}
					creditedRevenue += cv.Value
					var sum int64
					for _, s := range shares {
						if s.Minor < 0 || s.Touch.At.After(cv.At) || cv.At.Sub(s.Touch.At) > ch.Window() {
							t.Logf("%s: share %+v of a conversion at %s", ch, s, cv.At)
							return false
						}
						sum += s.Minor
						perCampaign[s.Touch.CampaignID] += s.Minor
					}
					if sum != cv.Value || !reflect.DeepEqual(shares, Credit(ch, cv.At, cv.Value, c.Touches)) {
						t.Logf("%s: shares of %d sum to %d (or differ on a second read)", ch, cv.Value, sum)
						return false
					}
					credited += sum
				}
				var byCampaign int64
				for _, v := range perCampaign {
					byCampaign += v
				}
				if credited != creditedRevenue || byCampaign != creditedRevenue {
					t.Logf("%s: %d credited, %d by campaign, %d of credited conversions", ch, credited, byCampaign, creditedRevenue)
					return false
				}
			}
		}
		return true
	}
	cfg := &quick.Config{MaxCount: 2000, Rand: rand.New(rand.NewSource(2026))}
	if err := quick.Check(property, cfg); err != nil {
		t.Fatal(err)
	}
}
