package sandbox

import "testing"

func TestApproxCount(t *testing.T) {
	for _, c := range []struct {
		n            int
		lower, upper int64
	}{
		{0, 0, 0}, {1, 0, 1000}, {999, 0, 1000}, {1000, 1000, 1100}, {1549, 1500, 1600},
		{12345, 12000, 13000}, {987654, 980000, 990000},
	} {
		if l, u := approxCount(c.n); l != c.lower || u != c.upper {
			t.Errorf("approxCount(%d) = %d, %d; want %d, %d", c.n, l, u, c.lower, c.upper)
		}
	}
}
