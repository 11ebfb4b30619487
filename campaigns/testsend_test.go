package campaigns

import (
	"context"
	"errors"
	"testing"
	"time"

	"relance/tenancy"
)

// withTestContacts lists contacts (by PSID on the test Page) as the brand's test contacts.
func (f *sendFixture) withTestContacts(t *testing.T, psids ...string) []string {
	t.Helper()
	var ids []string
	for _, p := range psids {
		var id string
		if err := f.st.db.R.Raw(`SELECT id FROM contacts WHERE page_id = ? AND psid = ?`, testPage, p).Row().Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	f.brand.Settings.TestContacts = ids
	f.st = NewStore(f.st.db, f.st.tenant, f.brand, f.st.opts)
	return ids
}

// TestSendTestExactlyOnce: a test goes to a test contact only, as the variant asked, once per minute, with
// its id as metadata; it is on the timeline, counts in no run and caps nobody; an answer lost on the way is
// settled from the echo, and a contact whose window is closed gets no test.
func TestSendTestExactlyOnce(t *testing.T) {
	f := newSendFixture(t, 2)
	ctx := ctxAs("m")
	ids := f.withTestContacts(t, f.free[0])
	ro := f.options(t, "web", nil)

	if _, err := f.st.SendTest(ctx, f.campaign.ID, TestInput{ContactID: "nobody"}, ro); fieldsOf(err)["contact_id"] == "" {
		t.Errorf("a contact outside the test list: %v", err)
	}
	if _, err := f.st.SendTest(ctx, f.campaign.ID, TestInput{ContactID: ids[0], Variant: "Z"}, ro); fieldsOf(err)["variant"] == "" {
		t.Errorf("an unknown variant: %v", err)
	}
	ts, err := f.st.SendTest(ctx, f.campaign.ID, TestInput{ContactID: ids[0], Variant: "B"}, ro)
	if err != nil {
		t.Fatal(err)
	}
	sent := f.sb.Sends()
	if ts.Status != SendSent || ts.Variant != "B" || len(sent) != 1 || sent[0].Metadata != ts.ID || sent[0].PSID != f.free[0] {
		t.Fatalf("test %+v, sandbox %+v", ts, sent)
	}
	if _, err := f.st.SendTest(ctx, f.campaign.ID, TestInput{ContactID: ids[0], Variant: "B"}, ro); !errors.Is(err, ErrTestRepeated) {
		t.Errorf("the same test in the same minute: %v, want ErrTestRepeated", err)
	}
	if n := len(f.sb.Sends()); n != 1 {
		t.Errorf("%d messages after a repeated test, want 1", n)
	}
	tl, _ := f.st.Timeline(ctx, f.campaign.ID)
	if last := tl[len(tl)-1]; last.Action != ActTest {
		t.Errorf("timeline ends with %+v", last)
	}

	// A lost answer: unknown, then sent from the echo.
	f.now = f.now.Add(time.Minute)
	w := &lossyWire{}
	w.lose.Store(1)
	ts, err = f.st.SendTest(ctx, f.campaign.ID, TestInput{ContactID: ids[0]}, f.options(t, "web", w))
	if err != nil || ts.Status != SendUnknown {
		t.Fatalf("lost test %+v (%v)", ts, err)
	}
	f.ingest(t)
	if _, err := Settle(context.Background(), f.st.db, f.now, DefaultReplyWindow); err != nil {
		t.Fatal(err)
	}
	var row testSendRow
	if err := f.st.db.R.Where("id = ?", ts.ID).Take(&row).Error; err != nil || row.Status != SendSent || row.MessageID == "" {
		t.Errorf("settled test %+v (%v)", row, err)
	}

	// Tests count in no run and cap nobody: the slot still messages the test contact (cap 1 in 3 days).
	runID, err := f.st.RunSlot(context.Background(), f.campaign.ID, f.now, ro)
	if err != nil {
		t.Fatal(err)
	}
	if r := f.run(t, runID); r.Counts[SendSent] != 2 {
		t.Errorf("run counts %v, want the 2 free members sent", r.Counts)
	}

	// A closed window: no test.
	f.exec(t, `UPDATE contacts SET last_inbound_at = ?, last_interaction_at = ? WHERE id = ?`,
		f.now.Add(-30*time.Hour).UnixMilli(), f.now.Add(-30*time.Hour).UnixMilli(), ids[0])
	f.now = f.now.Add(time.Minute)
	if _, err := f.st.SendTest(ctx, f.campaign.ID, TestInput{ContactID: ids[0]}, ro); !errors.Is(err, ErrTestWindow) || !errors.Is(err, tenancy.ErrConflict) {
		t.Errorf("a test into a closed window: %v, want ErrTestWindow", err)
	}
}
