// Package fx keeps daily exchange rates and converts money with them (DESIGN §5 "Money"). Rates come from the
// ECB's reference CSV (EUR base, published on TARGET working days) and from rates an agency enters by hand for
// the currencies the ECB does not publish (VND, COP, CLP, PEN, SAR, AED, TWD, …; reference §8).
//
// Decisions:
//   - A rate is the decimal string as published ("1.0921"), kept as text and computed with math/big: a float
//     would turn "1 EUR = 26,000 VND" into an amount off by a few dong on every conversion.
//   - A day without a rate (weekends, holidays) uses the latest earlier rate within 7 days; beyond that the
//     rate is missing and so is every figure converted with it (ErrMissingRate): never zero, never a guess.
//   - A pair without a published rate is crossed through EUR, then USD, each leg found on its own as above
//     (a manual USD→VND rate and the ECB's EUR→USD give EUR→VND). A rate also answers its inverse.
//   - On the same day an agency's own rate wins over the ECB's: the agency decided to use it.
//   - Conversion is exact on the decimal rates, then rounded once, half away from zero, to the target
//     currency's ISO 4217 minor unit. Each day of spend is converted on its own day's rate, then summed.
package fx
