// SPDX-License-Identifier: AGPL-3.0-only

package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

const signaturePrefix = "sha256="

// Sign returns the X-Hub-Signature-256 value for body: "sha256=" followed by the
// lower-case hex HMAC-SHA256 of the exact raw bytes keyed by the app secret (§4.3).
func Sign(appSecret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(body)
	var sum [sha256.Size]byte
	dst := make([]byte, len(signaturePrefix)+hex.EncodedLen(sha256.Size))
	copy(dst, signaturePrefix)
	hex.Encode(dst[len(signaturePrefix):], m.Sum(sum[:0]))
	return string(dst)
}

// VerifySignature reports whether header is a valid X-Hub-Signature-256 for the
// exact raw body (§4.3). The comparison is constant time (hmac.Equal). An empty
// app secret never verifies, so a missing configuration fails closed.
func VerifySignature(appSecret string, body []byte, header string) bool {
	if appSecret == "" || !strings.HasPrefix(header, signaturePrefix) {
		return false
	}
	got, err := hex.DecodeString(header[len(signaturePrefix):])
	if err != nil || len(got) != sha256.Size {
		return false
	}
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(body)
	return hmac.Equal(m.Sum(nil), got)
}
