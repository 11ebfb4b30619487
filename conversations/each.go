package conversations

import "context"

// eachPage is how many contacts Each reads at a time: large enough to amortize the query, small enough that
// an export of a million contacts runs in constant memory.
const eachPage = 200

// Each calls fn for every contact the filter matches, most recently active first, reading a page at a time.
// It stops at the first error fn returns.
func (r *Reader) Each(ctx context.Context, profile string, f Filter, fn func(ContactReach) error) error {
	cursor := ""
	for {
		p, err := r.Contacts(ctx, profile, f, cursor, eachPage)
		if err != nil {
			return err
		}
		for _, c := range p.Contacts {
			if err := fn(c); err != nil {
				return err
			}
		}
		if p.Next == "" {
			return nil
		}
		cursor = p.Next
	}
}
