package models

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// One-time codes are never stored or logged in clear (issue 11): the notice
// that carries one keeps it sealed (AES-GCM under a key derived from the
// server secret) until the worker hands it to the SMS provider; previews,
// the development log provider and dead letters show MaskedCode.

// MaskedCode stands for a one-time code wherever a person or a log sees it.
const MaskedCode = "******"

// sealedCodeVar is the notice data key of a sealed one-time code; the
// template still says {{code}}.
const sealedCodeVar = "code_sealed"

func sealKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("starcard-otp-seal"))
	return m.Sum(nil)
}

func sealAEAD(secret []byte) (cipher.AEAD, error) {
	if len(secret) == 0 {
		return nil, errors.New("models: seal: no secret")
	}
	b, err := aes.NewCipher(sealKey(secret))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// SealCode seals a one-time code for a notice's data.
func SealCode(secret []byte, code string) (string, error) {
	g, err := sealAEAD(secret)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(g.Seal(nonce, nonce, []byte(code), nil)), nil
}

// OpenCode opens a sealed one-time code.
func OpenCode(secret []byte, sealed string) (string, error) {
	g, err := sealAEAD(secret)
	if err != nil {
		return "", err
	}
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(raw) < g.NonceSize() {
		return "", errors.New("models: open code: malformed")
	}
	out, err := g.Open(nil, raw[:g.NonceSize()], raw[g.NonceSize():], nil)
	if err != nil {
		return "", fmt.Errorf("models: open code: %w", err)
	}
	return string(out), nil
}

// NoticeCode returns the one-time code a notice's data carries (sealed, or
// in clear from before sealing), "" when none: what a parent's phone would
// show. Tests read codes this way.
func NoticeCode(secret []byte, data string) string {
	var d map[string]any
	if json.Unmarshal([]byte(data), &d) != nil {
		return ""
	}
	if s, ok := d[sealedCodeVar].(string); ok {
		c, _ := OpenCode(secret, s)
		return c
	}
	c, _ := d["code"].(string)
	return c
}
