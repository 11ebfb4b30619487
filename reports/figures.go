package reports

// figures are the counts a ledger row and an adjustment carry, so that the ledger adds, subtracts and
// compares them in one place.
type figures struct{ spend, impressions, reach, clicks, conversations, replies int64 }

// plus is f + g.
func (f figures) plus(g figures) figures {
	return figures{f.spend + g.spend, f.impressions + g.impressions, f.reach + g.reach, f.clicks + g.clicks,
		f.conversations + g.conversations, f.replies + g.replies}
}

// minus is f − g.
func (f figures) minus(g figures) figures {
	return f.plus(figures{-g.spend, -g.impressions, -g.reach, -g.clicks, -g.conversations, -g.replies})
}

// zero reports whether every figure is 0.
func (f figures) zero() bool { return f == figures{} }

// figures are the row's counts.
func (d SpendDay) figures() figures {
	return figures{d.Spend, d.Impressions, d.Reach, d.Clicks, d.Conversations, d.Replies}
}

// withFigures is the row carrying f as its counts.
func (d SpendDay) withFigures(f figures) SpendDay {
	d.Spend, d.Impressions, d.Reach, d.Clicks, d.Conversations, d.Replies = f.spend, f.impressions, f.reach, f.clicks, f.conversations, f.replies
	return d
}

// figures are the adjustment's counts.
func (a Adjustment) figures() figures {
	return figures{a.Spend, a.Impressions, a.Reach, a.Clicks, a.Conversations, a.Replies}
}

// withFigures is the adjustment carrying f as its counts.
func (a Adjustment) withFigures(f figures) Adjustment {
	a.Spend, a.Impressions, a.Reach, a.Clicks, a.Conversations, a.Replies = f.spend, f.impressions, f.reach, f.clicks, f.conversations, f.replies
	return a
}
