package tenancy

import (
	"crypto/rand"
	"encoding/base64"
	"strings"

	"github.com/google/uuid"
)

// NewID returns a time-ordered, non-sequential identifier (UUIDv7) for rows exposed in URLs.
// Time order keeps cursor pagination and index locality cheap; the random tail keeps IDs unguessable.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// validID reports whether s looks like an ID produced by NewID; lookups with anything else can skip the database.
func validID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// randomToken returns n random bytes, URL-safe encoded, for secrets shown once.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("tenancy: crypto/rand failed: " + err.Error())
	}
	return strings.TrimRight(base64.RawURLEncoding.EncodeToString(b), "=")
}
