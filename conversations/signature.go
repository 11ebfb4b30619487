package conversations

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strings"
)

// VerifySignature checks Meta's signature over the raw body: X-Hub-Signature-256 ("sha256=<hex>"), or the
// legacy X-Hub-Signature ("sha1=<hex>") when only that one is sent. The comparison is constant-time, and an
// empty secret never verifies (a misconfigured instance must refuse, not accept, everything).
func VerifySignature(body []byte, sig256, sig1, secret string) bool {
	if secret == "" {
		return false
	}
	if sig256 != "" {
		return verify(sha256.New, body, sig256, "sha256=", secret)
	}
	if sig1 != "" {
		return verify(sha1.New, body, sig1, "sha1=", secret)
	}
	return false
}

func verify(h func() hash.Hash, body []byte, header, prefix, secret string) bool {
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(header), prefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	m := hmac.New(h, []byte(secret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// Sign returns the X-Hub-Signature-256 value Meta would send for body (the sandbox and tests sign with it).
func Sign(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
