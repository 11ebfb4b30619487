package app

import (
	"context"
	"fmt"
	"time"

	"relance/fx"
)

// demoRates are about what 1 EUR bought in late 2026 in the demo brands' other currencies; the demo moves them
// a little from day to day so that each day of spend converts at its own rate.
var demoRates = map[string]float64{"IDR": 17250, "THB": 37.4, "USD": 1.16}

// seedDemoRates gives the demo agency 45 days of its own EUR rates (the machine cannot reach the ECB; an
// operator imports the real ones with `relance fx import`). Weekends are left out, as the ECB leaves them out.
func seedDemoRates(ctx context.Context, r *runtime, tenantID string) error {
	today := time.Now().UTC()
	var in []fx.RateInput
	for d := 45; d >= 0; d-- {
		day := today.AddDate(0, 0, -d)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		for cur, base := range demoRates {
			wiggle := 1 + 0.004*float64((d*7+len(cur))%9-4) // within ±1.6 %, the same every run
			in = append(in, fx.RateInput{Date: day.Format(time.DateOnly), Base: "EUR", Quote: cur,
				Rate: fmt.Sprintf("%.4f", base*wiggle)})
		}
	}
	_, err := fx.NewStore(r.db, nil).AddManual(ctx, tenantID, in)
	return err
}
