package web

import "testing"

func TestReasonIn(t *testing.T) {
	got := reasonIn("standard window open until 2026-07-14 20:30 UTC; human agent until 2026-07-20 08:00 UTC", "Europe/Paris")
	want := "standard window open until 2026-07-14 22:30 CEST; human agent until 2026-07-20 10:00 CEST"
	if got != want {
		t.Errorf("reasonIn = %q, want %q", got, want)
	}
	if got := reasonIn("blocked the Page", "Asia/Bangkok"); got != "blocked the Page" {
		t.Errorf("a reason without a time changed: %q", got)
	}
}
