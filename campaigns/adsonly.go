package campaigns

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"

	"gorm.io/gorm"

	"relance/meta"
)

// The ads_only route (DESIGN §5): members a sponsored message may not reach are not messaged; they join the
// campaign's retargeting custom audience (PAGEUID rows: PSIDs match only on their Page), in the campaign's
// ad account, so ads can reach them. The audience is made the first time (or found by the tag in its name
// when the answer of its creation was lost) and its id recorded before the upload; uploads use a session id derived from the run and the Page, so a repeated upload is one to Meta.
// A row moves from queued to sent (reason "retargeting") once Meta acknowledged it.

// ReasonRetargeting is the reason of an ads_only send that joined the retargeting audience.
const ReasonRetargeting = "retargeting"

// RetargetAPI is the part of the Meta client that fills retargeting audiences (*meta.Client has it).
type RetargetAPI interface {
	CreateCustomAudience(ctx context.Context, token, accountID, name, description string) (string, error)
	FindCustomAudiences(ctx context.Context, token, accountID, contains string) ([]meta.AdObjectRef, error)
	UploadUsers(ctx context.Context, token, audienceID string, u meta.UserUpload, onBatch func(int, meta.UploadResult) error) (int, error)
}

// adsOnlyBatch is how many rows one pass uploads.
const adsOnlyBatch = 10_000

// AddAdsOnly puts a run's queued ads_only members into the campaign's retargeting audience and returns how
// many joined. A campaign without an ad account keeps them queued (there is nowhere to put them); another
// pass working on the campaign makes this one return at once.
func (s *Store) AddAdsOnly(ctx context.Context, runID string, api RetargetAPI, token func(ctx context.Context, accountID string) (string, error)) (int, error) {
	var run runRow
	if err := s.db.R.WithContext(ctx).Where("id = ? AND tenant_id = ? AND brand_id = ?", runID, s.tenant, s.brand.ID).Take(&run).Error; err != nil {
		return 0, fmt.Errorf("campaigns: ads only: %w", err)
	}
	c, err := s.Get(ctx, run.CampaignID)
	if err != nil || c.AdAccountID == "" {
		return 0, err
	}
	row, err := s.claimMeta(ctx, c)
	if errors.Is(err, ErrLaunchBusy) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer s.releaseMeta(ctx, c.ID)
	tok, err := token(ctx, c.AdAccountID)
	if err != nil {
		return 0, fmt.Errorf("campaigns: ads only: ad account %s: %w", c.AdAccountID, err)
	}
	if row.RetargetAudienceID == "" {
		tag := "[relance:" + c.ID + ":retargeting]"
		id, err := ensureAudience(ctx, api, tok, c.AdAccountID, tag, func() (string, error) {
			return api.CreateCustomAudience(ctx, tok, c.AdAccountID, c.Name+" · retargeting "+tag, "People of campaign "+c.Name+" that messages cannot reach")
		})
		if err != nil {
			return 0, fmt.Errorf("campaigns: ads only: %w", err)
		}
		if err := s.setMeta(ctx, c.ID, map[string]any{"retarget_audience_id": id}); err != nil {
			return 0, err
		}
		row.RetargetAudienceID = id
	}
	total := 0
	for {
		var rows []sendRow
		err := s.db.R.WithContext(ctx).Where("run_id = ? AND status = ? AND route = ?", runID, SendQueued, RouteAdsOnly).
			Order("id").Limit(adsOnlyBatch).Find(&rows).Error
		if err != nil {
			return total, fmt.Errorf("campaigns: ads only: %w", err)
		}
		if len(rows) == 0 {
			return total, nil
		}
		n, err := s.uploadAdsOnly(ctx, api, tok, row.RetargetAudienceID, runID, rows)
		total += n
		if err != nil {
			return total, err
		}
	}
}

// ensureAudience finds the custom audience whose name carries tag (Meta made it, its answer was lost) or
// creates it, so that a retry never makes a second one.
func ensureAudience(ctx context.Context, api RetargetAPI, token, accountID, tag string, create func() (string, error)) (string, error) {
	found, err := api.FindCustomAudiences(ctx, token, accountID, tag)
	if err != nil {
		return "", err
	}
	if id := oldest(found); id != "" {
		return id, nil
	}
	return create()
}

// uploadAdsOnly uploads rows Page by Page and marks each Page's rows once Meta acknowledged them.
func (s *Store) uploadAdsOnly(ctx context.Context, api RetargetAPI, token, audienceID, runID string, rows []sendRow) (int, error) {
	byPage := map[string][]sendRow{}
	for _, r := range rows {
		byPage[r.PageID] = append(byPage[r.PageID], r)
	}
	pages := make([]string, 0, len(byPage))
	for p := range byPage {
		pages = append(pages, p)
	}
	sort.Strings(pages)
	done := 0
	for _, page := range pages {
		prs := byPage[page]
		psids := make([]string, len(prs))
		ids := make([]string, len(prs))
		for i, r := range prs {
			psids[i], ids[i] = r.PSID, r.ID
		}
		u := meta.UserUpload{PageID: page, PSIDs: psids, SessionID: uploadSession(runID, page, ids[0]), StartBatch: 1}
		if _, err := api.UploadUsers(ctx, token, audienceID, u, nil); err != nil {
			return done, fmt.Errorf("campaigns: ads only: upload: %w", err)
		}
		now := s.opts.Now().UnixMilli()
		err := s.db.W.WithContext(context.WithoutCancel(ctx)).Transaction(func(tx *gorm.DB) error {
			return tx.Model(&sendRow{}).Where("id IN ? AND status = ?", ids, SendQueued).
				Updates(map[string]any{"status": SendSent, "reason": ReasonRetargeting, "sent_at": now, "updated_at": now}).Error
		})
		if err != nil {
			return done, fmt.Errorf("campaigns: ads only: %w", err)
		}
		done += len(ids)
	}
	return done, nil
}

// uploadSession is a positive session id that a repeat of the same upload (same run, Page and first row)
// reuses, so Meta counts it once.
func uploadSession(runID, page, first string) int64 {
	h := fnv.New64a()
	for _, p := range []string{runID, page, first} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return int64(h.Sum64() >> 1)
}

// AdsOnlyDue lists the runs with ads_only members waiting for the retargeting audience, of campaigns that
// have an ad account.
func AdsOnlyDue(ctx context.Context, db *gorm.DB) ([]DueRun, error) {
	var out []DueRun
	err := db.WithContext(ctx).Table("campaign_sends s").Select("DISTINCT s.tenant_id, s.brand_id, s.run_id").
		Joins("JOIN campaigns c ON c.id = s.campaign_id AND c.ad_account_id <> ''").
		Where(adQueueTerms("s.")+" AND s.route = ?", RouteAdsOnly).Limit(200).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: ads only due: %w", err)
	}
	return out, nil
}
