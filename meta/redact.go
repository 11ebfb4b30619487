package meta

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// Tokens must never reach logs, API answers or stored job errors. The client sends them in the
// Authorization header, never in a URL, and every error leaving the package goes through scrub, which
// removes the call's own token and proof and anything else shaped like a credential: errors travel far
// (wrapped by callers, stored with jobs, shown to users) and one leaked Page token lets anyone message as
// the Page.

// redacted replaces a credential in text.
const redacted = "[redacted]"

// credentialShapes finds what looks like a credential in free text:
//   - a parameter that carries one, whatever its value (access_token=…, appsecret_proof=…, client_secret=…);
//   - an Authorization header value (Bearer …, OAuth …);
//   - a Meta access token (EAA…), an app token (app id | secret);
//   - a 64-hex-digit HMAC (appsecret_proof) and any other opaque run of 40 or more token characters.
var credentialShapes = regexp.MustCompile(
	`((?i:access_token|appsecret_proof|client_secret|input_token)(?:=|%3D|"\s*:\s*"))[^&\s"',;]+` +
		`|((?i:bearer|oauth)\s+)[0-9A-Za-z_\-.~+/=|]{8,}` +
		`|EAA[0-9A-Za-z_\-]{6,}` +
		`|\b[0-9]{6,}(?:\||%7C)[0-9A-Za-z_\-]{10,}` +
		`|[0-9A-Za-z_\-]{40,}`)

// Redact returns s with every credential-shaped part replaced by "[redacted]". Callers outside the package
// can use it on text that may hold a token (a pasted URL, a configuration value) before logging it.
func Redact(s string) string {
	return credentialShapes.ReplaceAllStringFunc(s, func(m string) string {
		sub := credentialShapes.FindStringSubmatch(m)
		for _, keep := range sub[1:3] {
			if keep != "" {
				return keep + redacted
			}
		}
		return redacted
	})
}

// redactWith removes the exact secrets given (raw and URL-escaped), then every credential shape.
func redactWith(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) < 4 {
			continue // too short to be a real token; replacing it would mangle ordinary words
		}
		s = strings.ReplaceAll(s, sec, redacted)
		if esc := url.QueryEscape(sec); esc != sec {
			s = strings.ReplaceAll(s, esc, redacted)
		}
	}
	return Redact(s)
}

// scrub makes err safe to leave the package: a Meta *Error in its chain is cleaned in place (the client
// builds a fresh one per call) and the text of the whole chain is redacted. errors.Is and errors.As still
// see the chain.
func scrub(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var me *Error
	if errors.As(err, &me) {
		me.Message = redactWith(me.Message, secrets...)
		me.UserTitle = redactWith(me.UserTitle, secrets...)
		me.UserMsg = redactWith(me.UserMsg, secrets...)
	}
	msg := err.Error()
	if clean := redactWith(msg, secrets...); clean != msg {
		return &redactedError{msg: clean, err: err}
	}
	return err
}

// redactedError shows a cleaned text and keeps the original chain for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
