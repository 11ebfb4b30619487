package conversations

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"relance/policy"
)

// ErrBadFilter wraps an invalid listing filter; Field names the parameter.
type ErrBadFilter struct{ Field, Reason string }

func (e *ErrBadFilter) Error() string { return "conversations: " + e.Field + ": " + e.Reason }

// Filter narrows a contact listing; zero fields do not filter.
type Filter struct {
	PSID, PageID, Source, AdID, Ref, Entity, Owner string
	// Reachability is a policy class (free, follow_up, …) evaluated at Now with the brand's profile.
	Reachability string
	// ActiveSince and ActiveUntil bound the last message or interaction of the contact.
	ActiveSince, ActiveUntil time.Time
	// Name matches contacts whose name (from their profile) contains it, whatever the case.
	Name string
	// Text matches contacts who wrote or were sent a message containing it (case-insensitive).
	Text string
	// Now is the evaluation time of reachability (zero: the current time).
	Now time.Time
	// ByInbound orders by the person's last message instead of the last activity, most recent first.
	ByInbound bool
	// Match is a further condition on the contacts table with its bound arguments, such as a compiled
	// audience rule or membership of a snapshot.
	Match *Match
}

// Match is a condition on the contacts table built by another package from fixed SQL; values travel in Args.
type Match struct {
	Where string
	Args  []any
}

// Page is one page of a listing.
type Page struct {
	Contacts []ContactReach
	Next     string
}

// ContactReach is a contact with its reachability at the listing's time.
type ContactReach struct {
	Contact
	Reachability policy.Reach `json:"reachability"`
}

// Contacts lists the brand's contacts, most recently active first, after the cursor.
func (r *Reader) Contacts(ctx context.Context, profile string, f Filter, cursor string, limit int) (Page, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	now := f.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	q := r.q(ctx, "contacts")
	q, err := r.filter(q, profile, f, now)
	if err != nil {
		return Page{}, err
	}
	col := "contacts.last_interaction_at"
	if f.ByInbound {
		col = "contacts.last_inbound_at"
	}
	if cursor != "" {
		at, id, err := decodeCursor(cursor)
		if err != nil {
			return Page{}, err
		}
		q = q.Where("("+col+" < ? OR ("+col+" = ? AND contacts.id < ?))", at, at, id)
	}
	var rows []contactRow
	if err := q.Order(col + " DESC, contacts.id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return Page{}, fmt.Errorf("conversations: contacts: %w", err)
	}
	var p Page
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		at := last.LastInteractionAt
		if f.ByInbound {
			at = last.LastInboundAt
		}
		p.Next = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at, 10) + "|" + last.ID))
	}
	ents, err := r.entitiesFor(ctx, rows)
	if err != nil {
		return Page{}, err
	}
	p.Contacts = make([]ContactReach, 0, len(rows))
	for _, row := range rows {
		p.Contacts = append(p.Contacts, ContactReach{Contact: r.contact(row, ents[row.PageID+"|"+row.Psid]),
			Reachability: policy.Classify(profile, policyContact(row), now)})
	}
	return p, nil
}

// Count is how many of the brand's contacts the filter matches (the cursor aside), counting no further than
// upTo: a total on every look at a screen must not read a million contacts. more says there are more than
// upTo.
func (r *Reader) Count(ctx context.Context, profile string, f Filter, upTo int) (n int64, more bool, err error) {
	now := f.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	q, err := r.filter(r.q(ctx, "contacts"), profile, f, now)
	if err != nil {
		return 0, false, err
	}
	if err := r.db.R.WithContext(ctx).Table("(?) AS matched", q.Select("contacts.id").Limit(upTo+1)).Count(&n).Error; err != nil {
		return 0, false, fmt.Errorf("conversations: count contacts: %w", err)
	}
	if n > int64(upTo) {
		return int64(upTo), true, nil
	}
	return n, false, nil
}

func decodeCursor(c string) (int64, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if a, id, ok := strings.Cut(string(raw), "|"); ok {
			if at, err := strconv.ParseInt(a, 10, 64); err == nil && len(id) == 36 {
				return at, id, nil
			}
		}
	}
	return 0, "", &ErrBadFilter{Field: "cursor", Reason: "is not a cursor this API returned"}
}

// policyContact is what the policy needs to know of a contact.
func policyContact(row contactRow) policy.Contact {
	return PolicyState{InboundCount: row.InboundCount, LastInboundAt: row.LastInboundAt, LastInteractionAt: row.LastInteractionAt,
		LastOutboundAt: row.LastOutboundAt, OptinAt: row.OptinAt, OptinExpiresAt: row.OptinExpiresAt, Blocked: row.Blocked,
		Unavailable: row.Unavailable, Subscribed: row.Subscribed, OptinTimezone: row.OptinTimezone}.Contact()
}

// PolicyColumns are the contacts columns a PolicyState reads, for packages that scan contacts themselves
// (campaigns routing a slot) and must classify them exactly as the contact list does.
const PolicyColumns = "inbound_count, last_inbound_at, last_interaction_at, last_outbound_at, optin_at, optin_expires_at, " +
	"blocked, unavailable, subscribed, optin_timezone"

// PolicyState is the part of a contact the messaging policy reads (times in epoch milliseconds, 0 = never).
type PolicyState struct {
	InboundCount, LastInboundAt, LastInteractionAt, LastOutboundAt, OptinAt, OptinExpiresAt int64
	Blocked, Unavailable, Subscribed                                                        bool
	OptinTimezone                                                                           string
}

// Contact is the state as the policy package takes it.
func (p PolicyState) Contact() policy.Contact {
	c := policy.Contact{HasThread: p.InboundCount > 0 || p.LastInteractionAt > 0, Blocked: p.Blocked,
		Unavailable: p.Unavailable, OptedIn: p.OptinAt > 0, OptInTimezone: p.OptinTimezone}
	c.LastInboundAt, c.LastInteractionAt, c.LastOutboundAt = at(p.LastInboundAt), at(p.LastInteractionAt), at(p.LastOutboundAt)
	c.OptInTokenExpiresAt = at(p.OptinExpiresAt)
	c.OptInStatus = policy.OptInStopped
	if p.Subscribed {
		c.OptInStatus = policy.OptInActive
	}
	return c
}

func at(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// exists is an EXISTS over a table of the same contact.
func exists(table, cond string) string {
	return "EXISTS (SELECT 1 FROM " + table + " x WHERE x.tenant_id = contacts.tenant_id AND x.brand_id = contacts.brand_id " +
		"AND x.page_id = contacts.page_id AND x.psid = contacts.psid AND " + cond + ")"
}

// filter applies f to the query; every value is a bound parameter.
func (r *Reader) filter(q *gorm.DB, profile string, f Filter, now time.Time) (*gorm.DB, error) {
	if f.PSID != "" {
		q = q.Where("contacts.psid = ?", f.PSID)
	}
	if f.PageID != "" {
		q = q.Where("contacts.page_id = ?", f.PageID)
	}
	switch src := strings.ToUpper(f.Source); src {
	case "":
	case "ORGANIC":
		// Organic: the person came to the Page on their own, no ad or link ever brought them.
		q = q.Where("contacts.first_ref_at = 0")
	default:
		q = q.Where(exists("contact_events", "x.ref_source = ?"), src)
	}
	if f.AdID != "" {
		q = q.Where(exists("contact_events", "x.ref_ad_id = ?"), f.AdID)
	}
	if f.Ref != "" {
		q = q.Where(exists("contact_events", "x.ref_ref = ?"), f.Ref)
	}
	if f.Entity != "" {
		q = q.Where(exists("contact_entities", "x.entity = ?"), f.Entity)
	}
	if f.Name != "" {
		q = q.Where(`contacts.name_fold LIKE ? ESCAPE '\'`, namePattern(f.Name))
	}
	if f.Text != "" {
		q = q.Where(exists("messages", FoldedTextSQL+` LIKE ? ESCAPE '\'`), ContainsPattern(f.Text))
	}
	switch f.Owner {
	case "":
	case "us":
		q = q.Where("(contacts.owner_app_id = '' OR contacts.owner_app_id = ?)", r.appID)
	case "inbox":
		q = q.Where("contacts.owner_app_id = ?", PageInboxAppID)
	case "other":
		q = q.Where("contacts.owner_app_id NOT IN ('', ?, ?)", r.appID, PageInboxAppID)
	default:
		return nil, &ErrBadFilter{Field: "owner", Reason: "must be us, inbox or other"}
	}
	if !f.ActiveSince.IsZero() {
		q = q.Where("contacts.last_interaction_at >= ?", f.ActiveSince.UnixMilli())
	}
	if !f.ActiveUntil.IsZero() {
		q = q.Where("contacts.last_interaction_at < ?", f.ActiveUntil.UnixMilli())
	}
	if f.Match != nil {
		q = q.Where(f.Match.Where, f.Match.Args...)
	}
	if f.Reachability != "" {
		cond, args, err := ReachabilitySQL(profile, f.Reachability, now)
		if err != nil {
			return nil, err
		}
		q = q.Where(cond, args...)
	}
	return q, nil
}
