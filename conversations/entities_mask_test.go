package conversations_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"relance/conversations"
	"relance/conversations/nlp"
)

// TestEntitiesMaskFollowsEntities checks that the mask the ingester keeps on each contact has exactly the
// bits of the entities recorded for it, batch after batch, so audience rules may read either.
func TestEntitiesMaskFollowsEntities(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	gen := conversations.NewSynthetic([]string{fixturePage}, ourApp, time.Now().UTC(), 5, 7100000000100000)
	if _, err := e.in.Feed(ctx, gen, 300, conversations.FeedOptions{Parse: conversations.ParseOptions{AppID: ourApp, NLPThreshold: 0.8}}); err != nil {
		t.Fatal(err)
	}
	e.fold(t)
	cases := make([]string, 0, 9)
	for _, name := range nlp.EntityNames() {
		cases = append(cases, "WHEN '"+name+"' THEN "+strconv.FormatInt(nlp.EntityBit(name), 10))
	}
	var wrong, withMask int64
	err := e.db.R.Raw(`SELECT COUNT(*) FROM contacts c WHERE c.entities_mask <> COALESCE((SELECT SUM(CASE x.entity ` + strings.Join(cases, " ") +
		` ELSE 0 END) FROM contact_entities x WHERE x.tenant_id = c.tenant_id AND x.brand_id = c.brand_id AND x.page_id = c.page_id
		AND x.psid = c.psid), 0)`).Scan(&wrong).Error
	if err != nil {
		t.Fatal(err)
	}
	e.db.R.Raw("SELECT COUNT(*) FROM contacts WHERE entities_mask <> 0").Scan(&withMask)
	if wrong != 0 || withMask < 50 {
		t.Errorf("%d contacts have a mask that differs from their entities (%d have a mask at all)", wrong, withMask)
	}
}
