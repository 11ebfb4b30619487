package audiences

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"relance/conversations"
	"relance/conversations/nlp"
	"relance/policy"
)

// reachClasses are the values of the reachability field.
var reachClasses = policy.Classes

const day = int64(24 * time.Hour / time.Millisecond)

// Query is a compiled rule: a condition on the contacts table and its bound arguments. User input only ever
// travels in Args; Where is built from the fixed fragments below.
type Query struct {
	Where string
	Args  []any
}

// Compile turns a rule into one condition on the contacts of a brand, evaluated at now under the brand's
// policy profile. It adds the tenant and brand to the condition itself, so no caller can forget them. Facts
// kept elsewhere (referrals, payloads, entities, texts, other audiences) are sub-queries that select
// (page_id, psid) pairs through the covering indexes of migration 00006, which SQLite and PostgreSQL both
// evaluate once per statement rather than once per contact.
func Compile(r *Rule, tenantID, brandID, profile string, now time.Time) (Query, error) {
	return compileWith(compileOptions{}, r, tenantID, brandID, profile, now)
}

// compileOptions change how a rule is written, never what it selects.
type compileOptions struct {
	// sqlite lets a ref prefix range over contact_events_ref_ref with byte-wise bounds (SQLite compares text
	// byte by byte; PostgreSQL's collation may not, so it keeps the substr test alone).
	sqlite bool
	// correlated writes each fact kept in another table as an EXISTS on the contact's own rows instead of
	// a test of the contact's key against the list of every matching key: cheaper when a statement stops
	// after a few contacts (a preview's sample of a rule most contacts match), dearer over a whole brand.
	correlated bool
}

// compileWith is Compile written as opts say.
func compileWith(opts compileOptions, r *Rule, tenantID, brandID, profile string, now time.Time) (Query, error) {
	c := &compiler{tenant: tenantID, brand: brandID, profile: profile, now: now.UnixMilli(), at: now, opts: opts}
	c.args = append(c.args, tenantID, brandID)
	cond, err := c.node(r)
	if err != nil {
		return Query{}, err
	}
	return Query{Where: brandPrefix + cond, Args: c.args}, nil
}

// brandPrefix starts every compiled condition; its two arguments, the tenant and the brand, come first.
const brandPrefix = "contacts.tenant_id = ? AND contacts.brand_id = ? AND "

type compiler struct {
	tenant, brand, profile string
	now                    int64
	at                     time.Time
	args                   []any
	opts                   compileOptions
}

func (c *compiler) arg(v ...any) { c.args = append(c.args, v...) }

// list binds each item and returns "(?, ?, …)".
func (c *compiler) list(items []string) string {
	ph := make([]string, len(items))
	for i, s := range items {
		ph[i] = "?"
		c.arg(s)
	}
	return "(" + strings.Join(ph, ", ") + ")"
}

// contactKey is one value per contact of a brand. The sub-queries compare it rather than the row value
// (page_id, psid): under NOT, SQLite must tell "not in the list" from "unknown" and does so for a row value
// by scanning the whole list for every contact (48× slower than a hand-written NOT EXISTS at 10,000
// contacts), while for one value it checks the list for NULL once.
const contactKey = "contacts.page_id || '|' || contacts.psid"

// pairs starts "key IN (SELECT …)" over one of the brand's tables, whose alias is x; the caller writes the
// rest of the sub-query's WHERE and binds its arguments after the brand's.
func (c *compiler) pairs(table string) string {
	c.arg(c.tenant, c.brand)
	if c.opts.correlated {
		// The contact's own rows, through the (tenant, brand, Page, PSID, …) index every such table has.
		return "EXISTS (SELECT 1 FROM " + table + " x WHERE x.tenant_id = ? AND x.brand_id = ? AND " +
			"x.page_id = contacts.page_id AND x.psid = contacts.psid AND "
	}
	return keyIn + "SELECT x.page_id || '|' || x.psid FROM " + table + " x WHERE x.tenant_id = ? AND x.brand_id = ? AND "
}

// keyIn starts every test of the contact's key against a sub-query (anyOf recognizes them by it).
const keyIn = contactKey + " IN ("

func (c *compiler) node(r *Rule) (string, error) {
	if r == nil {
		return "", fmt.Errorf("audiences: compile: empty rule node")
	}
	switch r.kind() {
	case "all", "any":
		kids, join, empty := r.All, " AND ", "1 = 1"
		if r.kind() == "any" {
			kids, join, empty = r.Any, " OR ", "1 = 0"
		}
		if len(kids) == 0 {
			return empty, nil
		}
		if r.kind() == "any" {
			return c.anyOf(kids)
		}
		// Conditions on the contact's own columns come first: SQLite tests an AND's terms in the order
		// written, so a contact they refuse is never looked up in another table.
		var own, other []string
		var ownArgs, otherArgs []any
		outer := c.args
		for _, k := range kids {
			c.args = nil
			s, err := c.node(k)
			if err != nil {
				return "", err
			}
			if k.readsOtherTables() {
				other, otherArgs = append(other, s), append(otherArgs, c.args...)
			} else {
				own, ownArgs = append(own, s), append(ownArgs, c.args...)
			}
		}
		c.args = append(append(outer, ownArgs...), otherArgs...)
		return "(" + strings.Join(append(own, other...), join) + ")", nil
	case "not":
		s, err := c.node(r.Not)
		if err != nil {
			return "", err
		}
		return "NOT " + s, nil
	}
	return c.condition(r)
}

// anyOf compiles the children of an "any" node. Those that test the contact's key against a sub-query are
// merged into one test against the UNION ALL of their sub-queries: each contact is then looked up in one list
// instead of one per child, which halves the cost of "from these ads or with this ref" over a million
// contacts. The other children stay as they are, ORed after it; each child's arguments move with its text.
func (c *compiler) anyOf(kids []*Rule) (string, error) {
	outer := c.args
	var subs, others []string
	var subArgs, otherArgs []any
	for _, k := range kids {
		c.args = nil
		s, err := c.node(k)
		if err != nil {
			return "", err
		}
		if sub, ok := strings.CutPrefix(s, keyIn); ok {
			subs, subArgs = append(subs, strings.TrimSuffix(sub, ")")), append(subArgs, c.args...)
		} else {
			others, otherArgs = append(others, s), append(otherArgs, c.args...)
		}
	}
	c.args = append(append(outer, subArgs...), otherArgs...)
	if len(subs) > 0 {
		others = append([]string{keyIn + strings.Join(subs, " UNION ALL ") + ")"}, others...)
	}
	return "(" + strings.Join(others, " OR ") + ")", nil
}

func (c *compiler) condition(r *Rule) (string, error) {
	v := r.v
	switch r.Field {
	case "last_inbound_at", "first_seen_at":
		col := "contacts." + r.Field
		// 0 means never, so a lower bound is at least 1 rather than a separate "> 0": given two lower bounds
		// on the indexed column, SQLite may range over the wrong one (every contact instead of a third).
		switch r.Op {
		case "within_days":
			c.arg(max(c.now-v.n*day, 1))
			return col + " >= ?", nil
		case "older_than_days":
			c.arg(c.now - v.n*day)
			return "(" + col + " > 0 AND " + col + " < ?)", nil
		case "between":
			c.arg(max(v.from.UnixMilli(), 1), v.to.UnixMilli())
			return "(" + col + " >= ? AND " + col + " < ?)", nil
		}
	case "inbound_count":
		op := map[string]string{"gte": ">=", "lte": "<=", "eq": "="}[r.Op]
		c.arg(v.n)
		return "contacts.inbound_count " + op + " ?", nil
	case "source", "ad_id", "ref":
		col := map[string]string{"source": "x.ref_source", "ad_id": "x.ref_ad_id", "ref": "x.ref_ref"}[r.Field]
		head := c.pairs("contact_events")
		if r.Op == "prefix" {
			// substr, not LIKE: LIKE ignores ASCII case on SQLite but not on PostgreSQL, and refs are exact.
			p := v.strs[0]
			rng := ""
			if last := p[len(p)-1]; c.opts.sqlite && last < 0xFF {
				// Every text starting with p sorts from p up to p with its last byte raised (valid UTF-8 has
				// no 0xFF), so the index is read over that range instead of over all the brand's refs.
				c.arg(p, p[:len(p)-1]+string([]byte{last + 1}))
				rng = col + " >= ? AND " + col + " < ? AND "
			}
			c.arg(utf8.RuneCountInString(p), p)
			return head + col + " <> '' AND " + rng + "substr(" + col + ", 1, ?) = ?)", nil
		}
		// "<> ''" lets SQLite use the partial indexes of migration 00006, which leave empty values out.
		return head + col + " <> '' AND " + col + " IN " + c.list(v.strs) + ")", nil
	case "entity":
		// The contact's mask says whether it ever mentioned the entity; only a time limit needs the table.
		c.arg(nlp.EntityBit(v.strs[0]))
		mask := "(contacts.entities_mask & ?) <> 0"
		if r.WithinDays == nil {
			return mask, nil
		}
		head := c.pairs("contact_entities")
		c.arg(v.strs[0], c.now-*r.WithinDays*day)
		return "(" + mask + " AND " + head + "x.entity = ? AND x.last_seen_at >= ?))", nil
	case "text":
		head := c.pairs("messages")
		c.arg(conversations.ContainsPattern(v.strs[0]))
		return head + `x.direction = 'in' AND ` + conversations.FoldedTextSQL + ` LIKE ? ESCAPE '\')`, nil
	case "payload":
		a := c.pairs("contact_events")
		c.arg(v.strs[0])
		a += "x.payload <> '' AND x.payload = ? AND x.kind = 'postback')"
		b := c.pairs("messages")
		c.arg(v.strs[0])
		b += "x.quick_reply <> '' AND x.quick_reply = ?)"
		return "(" + a + " OR " + b + ")", nil
	case "talked_to_human":
		if v.b {
			return "contacts.last_human_at > 0", nil
		}
		return "contacts.last_human_at = 0", nil
	case "reachability":
		parts := make([]string, 0, len(v.strs))
		for _, class := range v.strs {
			cond, args, err := conversations.ReachabilitySQL(c.profile, class, c.at)
			if err != nil {
				return "", fmt.Errorf("audiences: compile: %w", err)
			}
			c.arg(args...)
			parts = append(parts, "("+cond+")")
		}
		return "(" + strings.Join(parts, " OR ") + ")", nil
	case "page":
		return "contacts.page_id IN " + c.list(v.strs), nil
	case "audience":
		// The latest snapshot of an audience of the same brand: another brand's id matches nobody.
		c.arg(c.tenant, c.brand, v.strs[0])
		latest := "(SELECT s.id FROM audience_snapshots s WHERE s.tenant_id = ? AND s.brand_id = ? AND s.audience_id = ? ORDER BY s.seq DESC LIMIT 1)"
		if c.opts.correlated {
			return "EXISTS (SELECT 1 FROM audience_members m WHERE m.snapshot_id = " + latest +
				" AND m.page_id = contacts.page_id AND m.psid = contacts.psid)", nil
		}
		return contactKey + " IN (SELECT m.page_id || '|' || m.psid FROM audience_members m WHERE m.snapshot_id = " + latest + ")", nil
	}
	return "", fmt.Errorf("audiences: compile: %s %s has no SQL", r.Field, r.Op)
}

// kind says whether the node is a group ("all", "any", "not") or a condition ("").
func (r *Rule) kind() string {
	switch {
	case r.group != "":
		return r.group
	case r.Not != nil:
		return "not"
	case r.Any != nil:
		return "any"
	case r.Field == "":
		return "all"
	}
	return ""
}
