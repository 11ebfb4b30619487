package audiences

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"gorm.io/gorm"

	"relance/meta"
)

// syncRowsPerStatement keeps the bookkeeping statements of one batch under every driver's parameter limit.
const syncRowsPerStatement = 500

// upload creates the custom audience if needed, then sends the adds and the removals Page by Page, in
// Page and PSID order, so that two runs over the same state send the same batches.
func (r *syncRun) upload(ctx context.Context) error {
	token, err := r.s.o.Token(ctx, r.t.tenantID, r.t.brandID, r.t.account)
	if err != nil {
		return fmt.Errorf("token of ad account %s: %w", r.t.account, err)
	}
	r.token = token
	if r.metaID == "" {
		if err := r.create(ctx); err != nil {
			return err
		}
	}
	adds, err := r.pages(ctx, false)
	if err != nil {
		return err
	}
	removes, err := r.pages(ctx, true)
	if err != nil {
		return err
	}
	var nAdd, nRemove int64
	for _, p := range adds {
		nAdd += p.n
	}
	for _, p := range removes {
		nRemove += p.n
	}
	// Totals count what earlier runs toward the same snapshot already sent, so progress reads across resumes.
	err = r.write(ctx, map[string]any{"to_add": gorm.Expr("added + ?", nAdd), "to_remove": gorm.Expr("removed + ?", nRemove)}, nil)
	if err != nil {
		return err
	}
	for _, p := range adds {
		if err := r.push(ctx, p, false); err != nil {
			return err
		}
	}
	for _, p := range removes {
		if err := r.push(ctx, p, true); err != nil {
			return err
		}
	}
	return nil
}

// create makes the Meta custom audience and records its id. Members recorded for an earlier custom
// audience of this audience (there should be none) are forgotten: the new one starts empty.
//
// The name carries a tag recorded before the call, new for each custom audience relance means to make: when
// Meta made the audience but its answer was lost (a crash, a timeout), the next run finds it by the tag
// instead of making a second one. A fresh tag per creation, rather than the audience's id alone, keeps an
// audience that moved to another ad account and back from reusing the one it left, whose members relance
// no longer knows.
func (r *syncRun) create(ctx context.Context) error {
	if r.createTag == "" {
		tag := fmt.Sprintf("[relance:audience:%s:%08x]", r.t.audienceID, rand.Uint32())
		if err := r.write(ctx, map[string]any{"create_tag": tag}, nil); err != nil {
			return err
		}
		r.createTag = tag
	}
	cctx, cancel := context.WithTimeout(ctx, r.s.o.Lease/2)
	defer cancel()
	found, err := r.s.meta.FindCustomAudiences(cctx, r.token, r.t.account, r.createTag)
	if err != nil {
		return fmt.Errorf("look for custom audience %s in %s: %w", r.createTag, r.t.account, err)
	}
	id := oldestAudience(found)
	if id == "" {
		id, err = r.s.meta.CreateCustomAudience(cctx, r.token, r.t.account, r.t.name+" (relance) "+r.createTag, "relance audience "+r.t.audienceID)
		if err != nil {
			return fmt.Errorf("create custom audience in %s: %w", r.t.account, err)
		}
	} else {
		r.log.Info("custom audience found by its tag: its creation's answer was lost", "meta_audience", id, "tag", r.createTag)
	}
	err = r.write(ctx, map[string]any{"meta_audience_id": id}, func(tx *gorm.DB) error {
		return tx.Exec("DELETE FROM audience_meta_members WHERE audience_id = ?", r.t.audienceID).Error
	})
	if err != nil {
		return err
	}
	r.metaID = id
	return nil
}

// oldestAudience is the first-made of the audiences found (Meta's ids grow), "" when none.
func oldestAudience(found []meta.AdObjectRef) string {
	id := ""
	for _, f := range found {
		if id == "" || len(f.ID) < len(id) || (len(f.ID) == len(id) && f.ID < id) {
			id = f.ID
		}
	}
	return id
}

// push sends one Page's adds (or removals) as one upload session of batches of at most
// meta.MaxUsersPerCall rows, recording each batch once Meta acknowledged it. A new session id each time:
// Meta answers a batch_seq it already saw in a session without applying it again, so a resumed run, whose
// batches differ, must not reuse the session of the run it continues.
func (r *syncRun) push(ctx context.Context, p pageDiff, remove bool) error {
	session := rand.Int64N(math.MaxInt64) + 1
	verb := map[bool]string{false: "add to", true: "remove from"}[remove]
	d := r.differ(p.page, remove)
	for seq := 1; ; seq++ {
		psids, err := d.next(ctx, meta.MaxUsersPerCall)
		if err != nil || len(psids) == 0 {
			return err
		}
		more, err := d.more(ctx)
		if err != nil {
			return err
		}
		b := meta.UsersBatch{Schema: meta.SchemaPageUID, PageID: p.page, Rows: psids, Session: &meta.UploadSession{
			ID: session, BatchSeq: seq, Last: !more, EstimatedTotal: int(max(p.n, int64(len(psids))))}}
		res, err := r.send(ctx, b, remove)
		if err != nil {
			return fmt.Errorf("%s custom audience %s, Page %s, batch %d: %w", verb, r.metaID, p.page, seq, err)
		}
		if res.Invalid > 0 {
			// Recorded all the same: Meta will not match those rows, and sending them again would not change that.
			r.log.Warn("Meta rejected rows of an audience upload", "page", p.page, "batch", seq, "invalid", res.Invalid,
				"samples", res.InvalidSamples)
		}
		if err := r.record(ctx, p.page, psids, remove, session); err != nil {
			return err
		}
	}
}

// send makes one upload call, bounded so that it never outlives the run's lease.
func (r *syncRun) send(ctx context.Context, b meta.UsersBatch, remove bool) (meta.UploadResult, error) {
	ctx, cancel := context.WithTimeout(ctx, r.s.o.Lease/2)
	defer cancel()
	if remove {
		return r.s.meta.RemoveUsers(ctx, r.token, r.metaID, b)
	}
	return r.s.meta.AddUsers(ctx, r.token, r.metaID, b)
}

// record notes an acknowledged batch in what Meta holds, with the run's counters, in one transaction.
func (r *syncRun) record(ctx context.Context, page string, psids []string, remove bool, session int64) error {
	counter := map[bool]string{false: "added", true: "removed"}[remove]
	set := map[string]any{counter: gorm.Expr(counter+" + ?", len(psids)), "session_id": session}
	return r.write(ctx, set, func(tx *gorm.DB) error {
		for part := range slices.Chunk(psids, syncRowsPerStatement) {
			if remove {
				err := tx.Exec("DELETE FROM audience_meta_members WHERE audience_id = ? AND page_id = ? AND psid IN ?", r.t.audienceID, page, part).Error
				if err != nil {
					return err
				}
				continue
			}
			args := make([]any, 0, 3*len(part))
			for _, psid := range part {
				args = append(args, r.t.audienceID, page, psid)
			}
			values := strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(part)), ", ")
			err := tx.Exec("INSERT INTO audience_meta_members (audience_id, page_id, psid) VALUES "+values+" ON CONFLICT DO NOTHING", args...).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
}
