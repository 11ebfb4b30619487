package meta_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"relance/meta"
	"relance/meta/sandbox"
)

// TestProfileFromSandbox reads a person's profile with the Page's token: the sandbox answers the fields asked
// for, a name that depends only on the seed and the PSID, a picture, and counts the call.
func TestProfileFromSandbox(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	p.S.RegisterThread(testPage, testPSID, "FR", p.S.Now(), "")
	got, err := p.C.Profile(ctx, testPSID, ownToken)
	if err != nil {
		t.Fatal(err)
	}
	first, last := p.S.PersonName(testPSID)
	if got.ID != testPSID || got.FirstName != first || got.LastName != last || got.Name() != first+" "+last {
		t.Fatalf("profile %+v, want %s %s", got, first, last)
	}
	if !strings.HasPrefix(got.ProfilePic, "data:image/svg+xml;base64,") {
		t.Fatalf("profile_pic %q", got.ProfilePic)
	}
	if n := p.S.ProfileCalls(testPage, testPSID); n != 1 {
		t.Fatalf("%d profile calls counted, want 1", n)
	}
	again, _ := p.C.Profile(ctx, testPSID, ownToken)
	if again != got {
		t.Fatalf("a second read differs: %+v then %+v", got, again)
	}
}

// TestProfileRefusals: a PSID the Page never talked with is not readable with its token, another Page's
// token cannot read the person, and a PSID that is not digits never leaves relance.
func TestProfileRefusals(t *testing.T) {
	p := newPair(t, sandbox.Options{})
	ctx := context.Background()
	p.S.RegisterThread(testPage, testPSID, "FR", p.S.Now(), "")
	if _, err := p.C.Profile(ctx, "7100000000000999", ownToken); meta.ClassOf(err) != meta.ClassPermission {
		t.Errorf("unknown person: %v, want a permission error", err)
	}
	other := sandbox.PageToken(testSecret, "104000000000002")
	if _, err := p.C.Profile(ctx, testPSID, other); err == nil {
		t.Error("another Page's token read the person")
	}
	if _, err := p.C.Profile(ctx, "../104000000000001", ownToken); !errors.Is(err, meta.ErrBadPSID) {
		t.Errorf("PSID with a path: %v", err)
	}
	if n := p.S.ProfileCalls(testPage, testPSID); n != 0 {
		t.Errorf("%d profile calls counted, want 0", n)
	}
}
