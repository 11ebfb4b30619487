package audiences

import (
	"context"
	"fmt"
	"slices"
)

// The difference between the target snapshot (S) and what Meta holds (M) is read Page by Page. Counting
// it is one anti-join per side, which the databases run as hash or index joins over the whole Page.
// Listing it in order under a LIMIT is not safe that way: with statistics that lag a big build,
// PostgreSQL picks a nested loop that rescans M for every row of S (21 s for one batch of a 25,000-row
// audience in a test), and an IN list of PSIDs gets filtered linearly instead of looked up. So the
// listing walks one side by its primary key, a window at a time, and reads the other side over the same
// PSID range: every statement is one range scan of one primary key, each row of either side is read
// once, and a run holds one window and one batch in memory, whatever the statistics say and whatever the
// size of the audience.
const (
	// syncAddsCount: per Page, the snapshot's members Meta does not hold yet; args: snapshot, audience.
	syncAddsCount = "SELECT d.page_id, COUNT(*) FROM audience_members d WHERE d.snapshot_id = ? AND NOT EXISTS " +
		"(SELECT 1 FROM audience_meta_members o WHERE o.audience_id = ? AND o.page_id = d.page_id AND o.psid = d.psid) " +
		"GROUP BY d.page_id ORDER BY d.page_id"
	// syncRemovesCount: per Page, what Meta holds that the snapshot lacks; args: audience, snapshot, snapshot.
	// Retention deletes a snapshot's members and its row in one transaction and one statement sees both or
	// neither: requiring the row keeps a pruned snapshot from reading as an empty one.
	syncRemovesCount = "SELECT d.page_id, COUNT(*) FROM audience_meta_members d WHERE d.audience_id = ? " +
		"AND EXISTS (SELECT 1 FROM audience_snapshots s WHERE s.id = ?) AND NOT EXISTS " +
		"(SELECT 1 FROM audience_members o WHERE o.snapshot_id = ? AND o.page_id = d.page_id AND o.psid = d.psid) " +
		"GROUP BY d.page_id ORDER BY d.page_id"
	// The walks, after a PSID: the snapshot's members (adds) and what Meta holds (removals).
	syncWalkSnapshot = "SELECT psid FROM audience_members WHERE snapshot_id = ? AND page_id = ? AND psid > ? ORDER BY psid LIMIT ?"
	syncWalkHeld     = "SELECT psid FROM audience_meta_members WHERE audience_id = ? AND page_id = ? AND psid > ? ORDER BY psid LIMIT ?"
	// The other side over a window's range (after, last]: what Meta holds, and the snapshot's members. The
	// snapshot's answers no row at all once the snapshot is pruned, never "nobody" (see syncRemovesCount).
	syncRangeHeld     = "SELECT psid FROM audience_meta_members WHERE audience_id = ? AND page_id = ? AND psid > ? AND psid <= ?"
	syncRangeSnapshot = "SELECT COALESCE(m.psid, '') FROM audience_snapshots s LEFT JOIN audience_members m " +
		"ON m.snapshot_id = s.id AND m.page_id = ? AND m.psid > ? AND m.psid <= ? WHERE s.id = ?"
)

// syncWindow is how many rows of the walked side are read at a time.
const syncWindow = 5000

// pageDiff is how many rows of one Page a phase (adds or removals) has to send.
type pageDiff struct {
	page string
	n    int64
}

// pages lists the Pages with rows to add (or remove) and how many each, by Page id.
func (r *syncRun) pages(ctx context.Context, remove bool) ([]pageDiff, error) {
	q, args := syncAddsCount, []any{r.t.snapshotID, r.t.audienceID}
	if remove {
		q, args = syncRemovesCount, []any{r.t.audienceID, r.t.snapshotID, r.t.snapshotID}
	}
	rows, err := r.s.db.R.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("audiences: sync: difference: %w", err)
	}
	defer rows.Close()
	var out []pageDiff
	for rows.Next() {
		var p pageDiff
		if err := rows.Scan(&p.page, &p.n); err != nil {
			return nil, fmt.Errorf("audiences: sync: difference: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audiences: sync: difference: %w", err)
	}
	return out, nil
}

// differ lists one Page's adds (or removals) in PSID order.
type differ struct {
	r       *syncRun
	page    string
	remove  bool
	after   string   // the last PSID of the walked side read so far
	done    bool     // the walked side is exhausted (or the snapshot was pruned)
	pending []string // found and not handed out yet
}

func (r *syncRun) differ(page string, remove bool) *differ {
	return &differ{r: r, page: page, remove: remove}
}

// next returns the next n PSIDs of the difference, fewer only at its end.
func (d *differ) next(ctx context.Context, n int) ([]string, error) {
	for len(d.pending) < n && !d.done {
		if err := d.fill(ctx); err != nil {
			return nil, err
		}
	}
	k := min(n, len(d.pending))
	out := slices.Clone(d.pending[:k])
	d.pending = d.pending[k:]
	return out, nil
}

// more reports whether the difference has PSIDs left.
func (d *differ) more(ctx context.Context) (bool, error) {
	for len(d.pending) == 0 && !d.done {
		if err := d.fill(ctx); err != nil {
			return false, err
		}
	}
	return len(d.pending) > 0, nil
}

// fill reads the next window of the walked side and keeps the PSIDs the other side lacks.
func (d *differ) fill(ctx context.Context) error {
	r := d.r
	walk, args := syncWalkSnapshot, []any{r.t.snapshotID, d.page, d.after, syncWindow}
	other, otherArgs := syncRangeHeld, []any{r.t.audienceID, d.page, d.after}
	if d.remove {
		walk, args = syncWalkHeld, []any{r.t.audienceID, d.page, d.after, syncWindow}
		other, otherArgs = syncRangeSnapshot, []any{d.page, d.after}
	}
	var window []string
	if err := r.s.db.R.WithContext(ctx).Raw(walk, args...).Scan(&window).Error; err != nil {
		return fmt.Errorf("audiences: sync: difference of Page %s: %w", d.page, err)
	}
	d.done = len(window) < syncWindow
	if len(window) == 0 {
		return nil
	}
	d.after = window[len(window)-1]
	otherArgs = append(otherArgs, d.after)
	if d.remove {
		otherArgs = append(otherArgs, r.t.snapshotID)
	}
	found := make(map[string]bool, len(window))
	for _, p := range window {
		found[p] = false
	}
	answered, err := d.scan(ctx, other, otherArgs, found)
	if err != nil {
		return err
	}
	if d.remove && !answered {
		// The target was pruned: nothing may be removed on its account (finish notices and moves on).
		d.done, d.pending = true, nil
		return nil
	}
	for _, p := range window {
		if !found[p] {
			d.pending = append(d.pending, p)
		}
	}
	return nil
}

// scan streams the other side's PSIDs over a window's range and marks those of the window; answered
// says whether the query returned any row.
func (d *differ) scan(ctx context.Context, q string, args []any, found map[string]bool) (answered bool, err error) {
	rows, err := d.r.s.db.R.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return false, fmt.Errorf("audiences: sync: difference of Page %s: %w", d.page, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return false, fmt.Errorf("audiences: sync: difference of Page %s: %w", d.page, err)
		}
		answered = true
		if _, ok := found[p]; ok {
			found[p] = true
		}
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("audiences: sync: difference of Page %s: %w", d.page, err)
	}
	return answered, nil
}
