package campaigns

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm/clause"

	"relance/conversations"
	"relance/meta"
	"relance/policy"
)

// MarketingSender is the part of the Meta client the paid route of meta-current goes through: Marketing
// Messages (reference §3), a message campaign per relance campaign, then one message per subscriber.
type MarketingSender interface {
	CreateMessageCampaign(ctx context.Context, token, accountID string, s meta.MessageCampaignSpec) (string, error)
	SendMarketingMessage(ctx context.Context, token, accountID string, m meta.MarketingMessage) (string, error)
}

// States of a campaign's Marketing Messages campaign (campaign_message_campaigns).
const (
	mcCreating = "creating"
	mcReady    = "ready"
	mcLost     = "lost"
)

var (
	// errPaidWait means another instance is creating the message campaign: the paid rows wait for a later pass.
	errPaidWait = errors.New("campaigns: the Marketing Messages campaign is being created")
	// errNoPayer means the campaign has nothing to pay Marketing Messages with; the text says what is missing.
	errNoPayer = errors.New("campaigns: no Marketing Messages payer")
)

// messageCampaignRow is the campaign_message_campaigns table.
type messageCampaignRow struct {
	CampaignID, TenantID, AccountID, State, MetaID, ClaimedBy string
	ClaimedAt, UpdatedAt                                      int64
}

func (messageCampaignRow) TableName() string { return "campaign_message_campaigns" }

// messageCampaign returns the Meta id of the campaign's Marketing Messages campaign, creating it the first
// time, exactly once: the row (state creating, with this instance's claim) is written before the call, so a
// second instance waits and a retry finds it. An answer lost on the way leaves the row lost and pauses the
// campaign, since Meta may hold the object: only a person's resume after that (having checked the ad
// account) lets relance create it again. Meta refusing the create pauses the campaign with Meta's reason.
func (s *Store) messageCampaign(ctx context.Context, c *Campaign, ro RunOptions) (string, error) {
	switch {
	case c.AdAccountID == "":
		return "", fmt.Errorf("%w: Marketing Messages are paid from an ad account: the campaign has none", errNoPayer)
	case c.Budget == nil:
		return "", fmt.Errorf("%w: Marketing Messages need a budget: the campaign has none", errNoPayer)
	case ro.AdAccountToken == nil:
		return "", fmt.Errorf("%w: this instance cannot open ad account tokens", errNoPayer)
	}
	now := s.opts.Now().UnixMilli()
	claim := messageCampaignRow{CampaignID: c.ID, TenantID: s.tenant, AccountID: c.AdAccountID, State: mcCreating,
		ClaimedBy: ro.Instance, ClaimedAt: now, UpdatedAt: now}
	res := s.db.W.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&claim)
	if res.Error != nil {
		return "", fmt.Errorf("campaigns: message campaign: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		var row messageCampaignRow
		if err := s.db.W.WithContext(ctx).Where("campaign_id = ?", c.ID).Take(&row).Error; err != nil {
			return "", fmt.Errorf("campaigns: message campaign: %w", err)
		}
		switch {
		case row.State == mcReady:
			return row.MetaID, nil
		case row.State == mcCreating && now-row.ClaimedAt < ClaimLease.Milliseconds():
			return "", errPaidWait
		case row.State == mcCreating:
			// The creating instance died mid-call: Meta may hold the object, as with a lost answer.
			if err := s.setMessageCampaign(ctx, c.ID, row, map[string]any{"state": mcLost}); err != nil {
				return "", err
			}
			return "", s.pauseFor(ctx, c, lostMessageCampaign)
		}
		resumed, err := s.resumedSince(ctx, c.ID, row.UpdatedAt)
		if err != nil || !resumed {
			if err == nil {
				err = s.pauseFor(ctx, c, lostMessageCampaign)
			}
			return "", err
		}
		// A person resumed after checking the ad account: create it again, under a fresh claim.
		n, err := s.claimMessageCampaign(ctx, c.ID, row, ro.Instance)
		if err != nil || n == 0 {
			if err == nil {
				err = errPaidWait
			}
			return "", err
		}
	}
	return s.createMessageCampaign(ctx, c, ro)
}

// lostMessageCampaign is the reason a campaign pauses when its message campaign's create went unanswered.
const lostMessageCampaign = "the Marketing Messages campaign was being created when the answer was lost: Meta may hold it. " +
	"Check the ad account's message campaigns (archive a duplicate), then resume to create it again"

// claimMessageCampaign takes a lost row back to creating for this instance, if nobody else did first.
func (s *Store) claimMessageCampaign(ctx context.Context, campaignID string, row messageCampaignRow, instance string) (int64, error) {
	now := s.opts.Now().UnixMilli()
	res := s.db.W.WithContext(ctx).Model(&messageCampaignRow{}).Where("campaign_id = ? AND state = ? AND updated_at = ?", campaignID, mcLost, row.UpdatedAt).
		Updates(map[string]any{"state": mcCreating, "claimed_by": instance, "claimed_at": now, "updated_at": now})
	if res.Error != nil {
		return 0, fmt.Errorf("campaigns: message campaign: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// setMessageCampaign moves a row on from the state it was read in.
func (s *Store) setMessageCampaign(ctx context.Context, campaignID string, row messageCampaignRow, fields map[string]any) error {
	fields["updated_at"] = s.opts.Now().UnixMilli()
	err := s.db.W.WithContext(context.WithoutCancel(ctx)).Model(&messageCampaignRow{}).
		Where("campaign_id = ? AND state = ? AND claimed_at = ?", campaignID, row.State, row.ClaimedAt).Updates(fields).Error
	if err != nil {
		return fmt.Errorf("campaigns: message campaign: %w", err)
	}
	return nil
}

// resumedSince reports whether the campaign was resumed after at (ms).
func (s *Store) resumedSince(ctx context.Context, campaignID string, at int64) (bool, error) {
	var n int64
	err := s.db.R.WithContext(ctx).Table("campaign_events").Where("campaign_id = ? AND action = ? AND at > ?", campaignID, ActResume, at).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("campaigns: message campaign: %w", err)
	}
	return n > 0, nil
}

// createMessageCampaign makes the create call under this instance's claim and records its outcome.
func (s *Store) createMessageCampaign(ctx context.Context, c *Campaign, ro RunOptions) (string, error) {
	var row messageCampaignRow
	if err := s.db.W.WithContext(ctx).Where("campaign_id = ?", c.ID).Take(&row).Error; err != nil {
		return "", fmt.Errorf("campaigns: message campaign: %w", err)
	}
	release := func(reason string) (string, error) {
		// Meta answered no: nothing was created, so the next attempt may create.
		err := s.db.W.WithContext(context.WithoutCancel(ctx)).Where("campaign_id = ? AND state = ? AND claimed_at = ?", c.ID, mcCreating, row.ClaimedAt).
			Delete(&messageCampaignRow{}).Error
		if err != nil {
			return "", fmt.Errorf("campaigns: message campaign: %w", err)
		}
		return "", s.pauseFor(ctx, c, reason)
	}
	token, err := ro.AdAccountToken(ctx, c.AdAccountID)
	if err != nil {
		return release("the ad account's token cannot be opened (" + err.Error() + "): attach the ad account again, then resume")
	}
	spec := meta.MessageCampaignSpec{PageID: c.PageID, Name: messageCampaignName(*c)}
	money := meta.Money{Minor: c.Budget.Minor, Currency: c.Budget.Currency}
	if c.Budget.Period == PeriodLifetime {
		spec.LifetimeBudget = money
	} else {
		spec.DailyBudget = money
	}
	if c.EndsAt != nil {
		spec.End = c.EndsAt.UTC()
	}
	id, err := ro.Marketing.CreateMessageCampaign(ctx, token, c.AdAccountID, spec)
	switch {
	case err == nil:
		return id, s.setMessageCampaign(ctx, c.ID, row, map[string]any{"state": mcReady, "meta_id": id})
	case meta.IsLostAnswer(err):
		if err := s.setMessageCampaign(ctx, c.ID, row, map[string]any{"state": mcLost}); err != nil {
			return "", err
		}
		return "", s.pauseFor(ctx, c, lostMessageCampaign)
	case meta.ClassOf(err) == meta.ClassTokenInvalid:
		return release("the ad account's token is no longer valid: attach the ad account again, then resume (" + err.Error() + ")")
	}
	return release("Meta refused the Marketing Messages campaign: " + err.Error())
}

// messageCampaignName names the message campaign after its relance campaign, with its id for people
// looking for it in the ad account.
func messageCampaignName(c Campaign) string {
	name := c.Name
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return strings.TrimSpace(name) + " [relance " + c.ID + "]"
}

// marketingCall sends one Marketing Message to the subscription token of a send's contact. The token and the
// person's opt-in are read again just before paying: a STOP since the slot routed skips the person
// (policy), a token gone or expired skips with no_token, and the policy package decides again whether a
// Marketing Message may reach the person at all (never the EU, UK, JP, KR, AU).
func (s *Store) marketingCall(messageCampaignID, accountID, pageToken string, creatives map[string]Creative, ro RunOptions) routeCall {
	return func(ctx context.Context, row sendRow) (callResult, error) {
		sub, skip, err := s.subscription(ctx, row.PageID, row.PSID, ro)
		if err != nil || skip != "" {
			return callResult{Skip: skip}, err
		}
		cr := creatives[row.Variant]
		m := meta.MarketingMessage{CampaignID: messageCampaignID, PageID: row.PageID, SubscriptionToken: sub,
			Text: cr.Text, ImageURL: cr.ImageURL, Metadata: row.ID}
		base := toMessage(cr)
		m.QuickReplies, m.Buttons = base.QuickReplies, base.Buttons
		tracking, err := ro.Marketing.SendMarketingMessage(ctx, pageToken, accountID, m)
		return callResult{TrackingID: tracking}, err
	}
}

// subscription opens a contact's Marketing Messages token, or says why the person is skipped.
func (s *Store) subscription(ctx context.Context, pageID, psid string, ro RunOptions) (token, skip string, err error) {
	var st conversations.PolicyState
	var sealed string
	var found bool
	rows, err := s.db.R.WithContext(ctx).Raw("SELECT optin_token_enc, "+conversations.PolicyColumns+
		" FROM contacts WHERE tenant_id = ? AND brand_id = ? AND page_id = ? AND psid = ?", s.tenant, s.brand.ID, pageID, psid).Rows()
	if err != nil {
		return "", "", fmt.Errorf("campaigns: subscription: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		found = true
		if err := rows.Scan(&sealed, &st.InboundCount, &st.LastInboundAt, &st.LastInteractionAt, &st.LastOutboundAt, &st.OptinAt,
			&st.OptinExpiresAt, &st.Blocked, &st.Unavailable, &st.Subscribed, &st.OptinTimezone); err != nil {
			return "", "", fmt.Errorf("campaigns: subscription: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return "", "", fmt.Errorf("campaigns: subscription: %w", err)
	}
	if !found || sealed == "" || ro.Vault == nil {
		return "", SkipNoToken, nil
	}
	c := st.Contact()
	if ok, why := policy.MarketingMessagesAllowed(c, s.opts.Now()); !ok {
		switch {
		case c.OptInStatus == policy.OptInStopped:
			return "", SkipPolicy, nil // the person sent STOP: never a paid message until RESUME
		case strings.Contains(why, "expired"):
			return "", SkipNoToken, nil
		case why == "unreachable":
			return "", SkipUnreachable, nil
		}
		return "", SkipPolicy, nil
	}
	token, err = ro.Vault.Open(sealed, "optin:"+pageID+":"+psid)
	if err != nil || token == "" {
		return "", SkipNoToken, nil // a token relance cannot open is no token
	}
	return token, "", nil
}
