package campaigns

import (
	"context"
	"fmt"

	"relance/tenancy"
)

// WinnerInput is what applying an A/B winner takes: the winner's weight, in percent of future sends
// (default 100: all of them); the other variants share the rest equally.
type WinnerInput struct {
	Weight *int `json:"weight"`
}

// ErrNoWinner refuses to apply a winner while no variant is significantly better than every other.
var ErrNoWinner = fmt.Errorf("%w: no variant is significantly better than the others yet", tenancy.ErrConflict)

// ApplyWinner gives the A/B winner, as Results finds it now, in.Weight percent of the future sends. It is a
// change of the variants' weights, so a content change under the lifecycle rules of Update: a new version,
// and approval asked again where the brand requires it; timeline and audit say campaign.apply_winner.
func (s *Store) ApplyWinner(ctx context.Context, id string, in WinnerInput) (Campaign, Results, error) {
	weight := 100
	if in.Weight != nil {
		weight = *in.Weight
	}
	if weight < 1 || weight > 100 {
		return Campaign{}, Results{}, &tenancy.ValidationError{Fields: map[string]string{"weight": "must be from 1 to 100"}}
	}
	res, err := s.Results(ctx, id, nil)
	if err != nil {
		return Campaign{}, Results{}, err
	}
	if res.Winner == "" {
		return Campaign{}, res, ErrNoWinner
	}
	c, err := s.Get(ctx, id)
	if err != nil {
		return Campaign{}, res, err
	}
	vs, ok := winnerWeights(c.Variants, res.Winner, weight)
	if !ok {
		return Campaign{}, res, fmt.Errorf("%w: the winning variant %s was removed from the campaign", tenancy.ErrConflict, res.Winner)
	}
	what := fmt.Sprintf("A/B winner %s gets %d %% of future sends (p = %.4g)", res.Winner, weight, *res.PValue)
	c, err = s.update(ctx, c, Input{Variants: &vs}, "apply_winner", what)
	return c, res, err
}

// winnerWeights sets the winner's weight and shares 100 − weight equally among the others, the remainder's
// units one each to the earliest; ok is false when the winner is not among the variants.
func winnerWeights(vs []Variant, winner string, weight int) ([]Variant, bool) {
	out := make([]Variant, len(vs))
	copy(out, vs)
	others, found := len(out)-1, false
	for _, v := range out {
		found = found || v.Key == winner
	}
	if !found {
		return nil, false
	}
	rest := 100 - weight
	if others == 0 {
		weight, rest = 100, 0
	}
	i := 0
	for j := range out {
		if out[j].Key == winner {
			out[j].Weight = weight
			continue
		}
		out[j].Weight = rest / others
		if i < rest%others {
			out[j].Weight++
		}
		i++
	}
	return out, true
}
