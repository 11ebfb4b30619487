package campaigns

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"relance/tenancy"
)

// Run is one send slot of a campaign as the API shows it, with live counts by status and route.
type Run struct {
	ID         string         `json:"id"`
	Slot       time.Time      `json:"slot"`
	Status     string         `json:"status"`
	Cause      string         `json:"cause"`
	Counts     map[string]int `json:"counts"`
	Routes     map[string]int `json:"routes"`
	StartedAt  time.Time      `json:"started_at"`
	FinishedAt *time.Time     `json:"finished_at"`
}

// Send is one recipient of a run.
type Send struct {
	ID        string     `json:"id"`
	ContactID string     `json:"contact_id"`
	PSID      string     `json:"psid"`
	Variant   string     `json:"variant"`
	Route     string     `json:"route"`
	Status    string     `json:"status"`
	Reason    string     `json:"reason"`
	Error     *SendError `json:"error"`
	SentAt    *time.Time `json:"sent_at"`
}

// SendError is Meta's error class and code on a send.
type SendError struct {
	Class string `json:"class"`
	Code  int    `json:"code"`
}

// SendFilter narrows a run's sends.
type SendFilter struct{ Status, Route string }

// sendRoutes are the routes a run counts (skipped and holdout are statuses as well).
var sendRoutes = []string{RouteFree, RouteFollowUp, RoutePaid, RouteAdsOnly}

// Runs lists a campaign's runs, newest slot first (at most 200).
func (s *Store) Runs(ctx context.Context, campaignID string) ([]Run, error) {
	if _, err := s.Get(ctx, campaignID); err != nil {
		return nil, err
	}
	var rows []runRow
	err := s.db.R.WithContext(ctx).Where("tenant_id = ? AND brand_id = ? AND campaign_id = ?", s.tenant, s.brand.ID, campaignID).
		Order("slot DESC").Limit(200).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: runs: %w", err)
	}
	out := make([]Run, 0, len(rows))
	for _, r := range rows {
		run := Run{ID: r.ID, Slot: time.UnixMilli(r.Slot).UTC(), Status: r.Status, Cause: r.Cause, Counts: map[string]int{},
			Routes: map[string]int{}, StartedAt: time.UnixMilli(r.StartedAt).UTC(), FinishedAt: at(r.FinishedAt)}
		for _, st := range SendStatuses {
			run.Counts[st] = 0
		}
		for _, rt := range sendRoutes {
			run.Routes[rt] = 0
		}
		var counts []struct {
			Status, Route string
			N             int
		}
		err := s.db.R.WithContext(ctx).Model(&sendRow{}).Select("status, route, COUNT(*) AS n").Where("run_id = ?", r.ID).
			Group("status, route").Scan(&counts).Error
		if err != nil {
			return nil, fmt.Errorf("campaigns: runs: counts: %w", err)
		}
		for _, c := range counts {
			run.Counts[publicStatus(c.Status)] += c.N
			if _, ok := run.Routes[c.Route]; ok {
				run.Routes[c.Route] += c.N
			}
		}
		out = append(out, run)
	}
	return out, nil
}

// publicStatus shows an in-flight send as unknown: until its call answers, nobody knows whether it went.
func publicStatus(st string) string {
	if st == SendSending {
		return SendUnknown
	}
	return st
}

// Sends lists a page of a run's sends, newest first, filtered by status and route.
func (s *Store) Sends(ctx context.Context, campaignID, runID string, f SendFilter, cur tenancy.Cursor) ([]Send, string, error) {
	fe := map[string]string{}
	if f.Status != "" && !slices.Contains(SendStatuses, f.Status) {
		fe["status"] = "must be one of the send statuses"
	}
	if f.Route != "" && !slices.Contains(append(append([]string{}, sendRoutes...), RouteSkipped, RouteHoldout), f.Route) {
		fe["route"] = "must be one of the routes"
	}
	if len(fe) > 0 {
		return nil, "", &tenancy.ValidationError{Fields: fe}
	}
	if _, err := s.Get(ctx, campaignID); err != nil {
		return nil, "", err
	}
	var n int64
	if err := s.db.R.WithContext(ctx).Model(&runRow{}).Where("id = ? AND tenant_id = ? AND brand_id = ? AND campaign_id = ?",
		runID, s.tenant, s.brand.ID, campaignID).Count(&n).Error; err != nil {
		return nil, "", fmt.Errorf("campaigns: sends: %w", err)
	}
	if n == 0 {
		return nil, "", ErrNotFound
	}
	q := s.db.R.WithContext(ctx).Model(&sendRow{}).Where("run_id = ? AND tenant_id = ?", runID, s.tenant)
	switch f.Status {
	case "":
	case SendUnknown:
		q = q.Where("status IN ?", []string{SendUnknown, SendSending})
	default:
		q = q.Where("status = ?", f.Status)
	}
	if f.Route != "" {
		q = q.Where("route = ?", f.Route)
	}
	limit := cur.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	if cur.After != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cur.After)
		if err != nil || uuid.Validate(string(raw)) != nil {
			return nil, "", tenancy.ErrBadCursor
		}
		q = q.Where("id < ?", string(raw))
	}
	var rows []sendRow
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("campaigns: sends: %w", err)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		next = base64.RawURLEncoding.EncodeToString([]byte(rows[limit-1].ID))
	}
	out := make([]Send, 0, len(rows))
	for _, r := range rows {
		sd := Send{ID: r.ID, ContactID: r.ContactID, PSID: r.PSID, Variant: r.Variant, Route: r.Route, Status: publicStatus(r.Status),
			Reason: r.Reason, SentAt: at(r.SentAt)}
		if r.ErrorClass != "" {
			sd.Error = &SendError{Class: r.ErrorClass, Code: r.ErrorCode}
		}
		out = append(out, sd)
	}
	return out, next, nil
}

// SlotMinute is the slot a run by hand takes: the current minute.
func SlotMinute(now time.Time) time.Time { return now.UTC().Truncate(time.Minute) }
