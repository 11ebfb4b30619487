package tenancy

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// ErrDecrypt means a sealed secret could not be opened (wrong key or tampered data).
var ErrDecrypt = errors.New("tenancy: cannot decrypt secret")

// Vault encrypts secrets at rest (Page access tokens, app secrets) with AES-256-GCM. The key is derived from
// security.secret_key with HKDF so that the same master key can also sign CSRF tokens without key reuse.
type Vault struct {
	aead cipher.AEAD
}

// NewVault derives the encryption key from the master secret.
func NewVault(master []byte) (*Vault, error) {
	key, err := DeriveKey(master, "relance secrets at rest v1")
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("tenancy: vault: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("tenancy: vault: %w", err)
	}
	return &Vault{aead: aead}, nil
}

// DeriveKey derives a 32-byte purpose-bound key from the master secret.
func DeriveKey(master []byte, purpose string) ([]byte, error) {
	if len(master) < 32 {
		return nil, errors.New("tenancy: secret key must be at least 32 bytes")
	}
	k, err := hkdf.Key(sha256.New, master, nil, purpose, 32)
	if err != nil {
		return nil, fmt.Errorf("tenancy: derive key: %w", err)
	}
	return k, nil
}

// Seal encrypts plaintext; aad binds the ciphertext to its row (e.g. the Page id) so it cannot be moved.
func (v *Vault) Seal(plaintext, aad string) string {
	nonce := make([]byte, v.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("tenancy: crypto/rand failed: " + err.Error())
	}
	out := v.aead.Seal(nonce, nonce, []byte(plaintext), []byte(aad))
	return "v1:" + base64.RawStdEncoding.EncodeToString(out)
}

// Open decrypts what Seal produced with the same aad.
func (v *Vault) Open(sealed, aad string) (string, error) {
	if len(sealed) < 3 || sealed[:3] != "v1:" {
		return "", ErrDecrypt
	}
	raw, err := base64.RawStdEncoding.DecodeString(sealed[3:])
	if err != nil || len(raw) < v.aead.NonceSize() {
		return "", ErrDecrypt
	}
	n := v.aead.NonceSize()
	pt, err := v.aead.Open(nil, raw[:n], raw[n:], []byte(aad))
	if err != nil {
		return "", ErrDecrypt
	}
	return string(pt), nil
}
