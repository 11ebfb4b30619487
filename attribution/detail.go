package attribution

import (
	"context"
	"fmt"
	"time"

	"relance/meta"
)

// CreditLine is the part of a conversion's value one touch earns under a model and window.
type CreditLine struct {
	TouchID      string `json:"touch_id"`
	Type         string `json:"type"`
	CampaignID   string `json:"campaign_id"`
	CampaignName string `json:"campaign_name"`
	Variant      string `json:"variant"`
	// Outside is an ad relance did not launch: credited to it, reported apart from the campaigns.
	Outside bool   `json:"outside"`
	AdName  string `json:"ad_name,omitempty"`
	Value   Value  `json:"value"`
}

// Attribution is a conversion's touches and credit under one model and window, computed when read.
type Attribution struct {
	Model      string       `json:"model"`
	WindowDays int          `json:"window_days"`
	Touches    []Touch      `json:"touches"`
	Credit     []CreditLine `json:"credit"`
	// Unattributed is the value no touch earns: all of it without a touch in the window, else zero.
	Unattributed Value `json:"unattributed"`
}

// ConversionDetail is a conversion with its attribution.
type ConversionDetail struct {
	Conversion
	Attribution Attribution `json:"attribution"`
}

// touchRecord is the stored form of a touch.
type touchRecord struct {
	ID, Type, CampaignID, Variant, AdID, AdName, Ref, Link, SendID string
	ConversationAt, At                                             int64
}

// view is the touch as the API shows it.
func (r touchRecord) view() Touch {
	return Touch{ID: r.ID, ConversationStartedAt: time.UnixMilli(r.ConversationAt).UTC(), Type: r.Type, At: time.UnixMilli(r.At).UTC(), CampaignID: r.CampaignID,
		Variant: r.Variant, Outside: r.Type == TouchAdReferral && r.CampaignID == "", AdID: r.AdID, AdName: r.AdName, Ref: r.Ref,
		Link: r.Link, SendID: r.SendID}
}

// Detail reads one of the brand's conversions with the touches that count for it and their credit.
func (s *Store) Detail(ctx context.Context, id string, c Choice) (ConversionDetail, error) {
	conv, err := s.Get(ctx, id)
	if err != nil {
		return ConversionDetail{}, err
	}
	var rows []touchRecord
	at := conv.OccurredAt.UnixMilli()
	if err := s.db.R.WithContext(ctx).Raw(`SELECT id, conversation_at, type, campaign_id, variant, ad_id, ad_name, ref, link, send_id, at
		FROM attr_touches WHERE tenant_id = ? AND brand_id = ? AND page_id = ? AND psid = ? AND at <= ? AND at >= ? ORDER BY at, id`,
		s.tenant, s.brand.ID, conv.PageID, conv.PSID, at, at-c.Window().Milliseconds()).Scan(&rows).Error; err != nil {
		return ConversionDetail{}, fmt.Errorf("attribution: touches: %w", err)
	}
	touches := make([]Touch, len(rows))
	var ids []string
	for i, r := range rows {
		touches[i] = r.view()
		if r.CampaignID != "" {
			ids = append(ids, r.CampaignID)
		}
	}
	names := map[string]string{}
	if len(ids) > 0 {
		var cs []struct{ ID, Name string }
		if err := s.db.R.WithContext(ctx).Raw("SELECT id, name FROM campaigns WHERE tenant_id = ? AND id IN ?", s.tenant, ids).
			Scan(&cs).Error; err != nil {
			return ConversionDetail{}, fmt.Errorf("attribution: campaign names: %w", err)
		}
		for _, x := range cs {
			names[x.ID] = x.Name
		}
	}
	value, err := meta.ParseDecimal(conv.Value.Amount, conv.Value.Currency)
	if err != nil {
		return ConversionDetail{}, fmt.Errorf("attribution: stored value: %w", err)
	}
	money := func(minor int64) Value {
		return Value{Amount: meta.FormatDecimal(meta.Money{Minor: minor, Currency: value.Currency}), Currency: value.Currency}
	}
	a := Attribution{Model: c.Model, WindowDays: c.WindowDays, Touches: touches, Credit: []CreditLine{}, Unattributed: money(0)}
	shares := Credit(c, conv.OccurredAt, value.Minor, touches)
	if len(shares) == 0 {
		a.Unattributed = money(value.Minor)
	}
	for _, sh := range shares {
		t := sh.Touch
		a.Credit = append(a.Credit, CreditLine{TouchID: t.ID, Type: t.Type, CampaignID: t.CampaignID, CampaignName: names[t.CampaignID],
			Variant: t.Variant, Outside: t.Outside, AdName: t.AdName, Value: money(sh.Minor)})
	}
	return ConversionDetail{Conversion: conv, Attribution: a}, nil
}
