// SPDX-License-Identifier: AGPL-3.0-only

package whatsapp_test

import (
	"testing"

	"github.com/samtykke/samtykke/internal/whatsapp"
)

// TestSign_4_3 checks Sign against the RFC-style HMAC-SHA256 vector for key "key".
func TestSign_4_3(t *testing.T) {
	t.Parallel()
	got := whatsapp.Sign("key", []byte("The quick brown fox jumps over the lazy dog"))
	want := "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
	if got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}

func TestVerifySignature_4_3(t *testing.T) {
	t.Parallel()
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]}],"x":"\u00e4"}`)
	good := whatsapp.Sign("s3cret", body)
	tests := []struct {
		name   string
		secret string
		body   []byte
		header string
		want   bool
	}{
		{"valid", "s3cret", body, good, true},
		{"other secret", "other", body, good, false},
		{"body re-serialised (unicode unescaped)", "s3cret", []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]}],"x":"ä"}`), good, false},
		{"missing prefix", "s3cret", body, good[len("sha256="):], false},
		{"sha1 prefix", "s3cret", body, "sha1=" + good[len("sha256="):], false},
		{"bad hex", "s3cret", body, "sha256=zz", false},
		{"truncated", "s3cret", body, good[:len(good)-2], false},
		{"upper-case hex", "s3cret", body, "sha256=" + upper(good[len("sha256="):]), true},
		{"empty header", "s3cret", body, "", false},
		{"empty secret fails closed", "", body, whatsapp.Sign("", body), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := whatsapp.VerifySignature(tt.secret, tt.body, tt.header); got != tt.want {
				t.Errorf("VerifySignature = %v, want %v", got, tt.want)
			}
		})
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func FuzzVerifySignature(f *testing.F) {
	f.Add([]byte(`{}`), "sha256=00")
	f.Add([]byte(`{"a":1}`), whatsapp.Sign("k", []byte(`{"a":1}`)))
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		ok := whatsapp.VerifySignature("k", body, header)
		if ok && header != whatsapp.Sign("k", body) && upper(header[7:]) != upper(whatsapp.Sign("k", body)[7:]) {
			t.Fatalf("verified a header that is not the signature")
		}
	})
}
