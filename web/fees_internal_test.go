package web

import "testing"

func TestPercentToBP(t *testing.T) {
	for in, want := range map[string]int{"": 0, "12.5": 1250, "12.50%": 1250, "0.01": 1, "100": 10000, "7": 700,
		"12,5": -1, "1.234": -1, "-3": -1, "abc": -1, ".5": -1} {
		if got := percentToBP(in); got != want {
			t.Errorf("percentToBP(%q) = %d, want %d", in, got, want)
		}
	}
	for bp, want := range map[int]string{0: "0", 1250: "12.5", 1: "0.01", 10000: "100", 705: "7.05"} {
		if got := bpToPercent(bp); got != want {
			t.Errorf("bpToPercent(%d) = %q, want %q", bp, got, want)
		}
	}
}
