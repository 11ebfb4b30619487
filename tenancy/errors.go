package tenancy

import (
	"errors"
	"sort"
	"strings"
)

// Sentinel errors callers test with errors.Is.
var (
	// ErrNotFound means the object does not exist in the caller's tenant (or brand).
	ErrNotFound = errors.New("tenancy: not found")
	// ErrConflict means the change collides with existing data (a duplicate name, a Page already connected).
	ErrConflict = errors.New("tenancy: conflict")
	// ErrBadCredentials means the e-mail or the password is wrong, or the account is disabled.
	ErrBadCredentials = errors.New("tenancy: wrong e-mail or password")
	// ErrThrottled means too many attempts; try again later.
	ErrThrottled = errors.New("tenancy: too many attempts")
	// ErrSessionExpired means the session is unknown, idle too long, or past its absolute lifetime.
	ErrSessionExpired = errors.New("tenancy: session expired")
	// ErrForbidden means the actor may not make this change (e.g. granting a role above its own).
	ErrForbidden = errors.New("tenancy: forbidden")
)

// ValidationError lists each invalid field with the reason; the API turns it into a 422.
type ValidationError struct {
	// Fields maps a field name (as the API spells it) to why it is invalid.
	Fields map[string]string
}

// Error lists the fields in a stable order.
func (v *ValidationError) Error() string {
	keys := make([]string, 0, len(v.Fields))
	for k := range v.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+v.Fields[k])
	}
	return "tenancy: invalid " + strings.Join(parts, "; ")
}

// fieldErrors collects field errors while validating.
type fieldErrors map[string]string

// add records the first reason for a field.
func (f fieldErrors) add(field, reason string) {
	if _, ok := f[field]; !ok {
		f[field] = reason
	}
}

// err returns nil when nothing was recorded.
func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Fields: f}
}
