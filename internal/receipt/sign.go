// SPDX-License-Identifier: AGPL-3.0-only

package receipt

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// The kinds of failure; every error of Verify wraps one of them.
var (
	// ErrMalformed: not a receipt (not JSON, a field missing or of the
	// wrong form).
	ErrMalformed = errors.New("receipt: malformed")
	// ErrWrongKey: the receipt names another signing key than the one it is
	// checked with.
	ErrWrongKey = errors.New("receipt: another key")
	// ErrSignature: the signature does not verify (the receipt was altered
	// after it was signed).
	ErrSignature = errors.New("receipt: signature")
	// ErrInconsistent: signed, but its parts contradict each other.
	ErrInconsistent = errors.New("receipt: inconsistent")
)

// Error says what is wrong with a receipt, and where.
type Error struct {
	Kind    error  // ErrMalformed, ErrWrongKey, ErrSignature or ErrInconsistent
	Field   string // the JSON path of the field at fault, if one is
	Problem string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Problem
	}
	return e.Field + ": " + e.Problem
}

// Unwrap makes errors.Is(err, e.Kind) true.
func (e *Error) Unwrap() error { return e.Kind }

func fault(kind error, field, format string, a ...any) *Error {
	return &Error{Kind: kind, Field: field, Problem: fmt.Sprintf(format, a...)}
}

// b64url is the signature's encoding: unpadded, and strict, so that every
// bit of the text counts.
var b64url = base64.RawURLEncoding.Strict()

// Sign signs the receipt with key: it sets the proof and returns the receipt
// as indented JSON, the bytes to give the person.
func (r *Receipt) Sign(key ed25519.PrivateKey) ([]byte, error) {
	pub := key.Public().(ed25519.PublicKey)
	if r.PublicKey != base64.StdEncoding.EncodeToString(pub) {
		return nil, errors.New("receipt: publicKey is not the signing key's")
	}
	r.Proof = Proof{Alg: Alg, Canonicalization: Canonicalization, KeyID: KeyID(pub)}
	unsigned, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	input, _, err := signingInput(unsigned)
	if err != nil {
		return nil, err
	}
	r.Proof.Signature = b64url.EncodeToString(ed25519.Sign(key, input))
	out, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// Verify checks a receipt against the controller's public key: its form,
// the key it names, its signature and then the consistency of its content.
// It returns the receipt read, and an *Error naming the first fault.
func Verify(raw []byte, pub ed25519.PublicKey) (Receipt, error) {
	var r Receipt
	if len(pub) != ed25519.PublicKeySize {
		return r, fault(ErrWrongKey, "", "the public key is not an Ed25519 key")
	}
	input, sig, err := signingInput(raw)
	if err != nil {
		return r, fault(ErrMalformed, "", "%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, fault(ErrMalformed, "", "not a samtykke consent receipt: %v", err)
	}
	switch {
	case r.Proof.Alg != Alg:
		return r, fault(ErrMalformed, "proof.alg", "is %q, want %q", r.Proof.Alg, Alg)
	case r.Proof.Canonicalization != Canonicalization:
		return r, fault(ErrMalformed, "proof.canonicalization", "is %q, want %q", r.Proof.Canonicalization, Canonicalization)
	}
	signature, err := b64url.DecodeString(sig)
	if err != nil || len(signature) != ed25519.SignatureSize {
		return r, fault(ErrMalformed, "proof.signature", "is not a base64url Ed25519 signature")
	}
	want := base64.StdEncoding.EncodeToString(pub)
	switch {
	case r.PublicKey != want:
		return r, fault(ErrWrongKey, "publicKey", "names key %s, not the controller's receipt key %s", KeyID(decodeKey(r.PublicKey)), KeyID(pub))
	case r.Proof.KeyID != KeyID(pub):
		return r, fault(ErrWrongKey, "proof.kid", "is %q, not the controller's receipt key %s", r.Proof.KeyID, KeyID(pub))
	}
	if !ed25519.Verify(pub, input, signature) {
		return r, fault(ErrSignature, "proof.signature", "does not verify: the receipt was changed after it was signed, or signed by another key")
	}
	return r, r.check(pub)
}

func decodeKey(s string) ed25519.PublicKey {
	b, _ := base64.StdEncoding.DecodeString(s)
	return b
}

// KeyID is the RFC 7638 JWK thumbprint of an Ed25519 public key (RFC 8037).
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// JWK is a public key as a JSON Web Key (RFC 8037).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
}

// PublishedKey is the receipt key as published at the well-known URL.
type PublishedKey struct {
	Alg string `json:"alg"`
	// Key is the standard base64 of the 32-byte public key, as in a
	// receipt's publicKey.
	Key string `json:"key"`
	Kid string `json:"kid"`
	JWK JWK    `json:"jwk"`
}

// Publish describes pub for the well-known URL.
func Publish(pub ed25519.PublicKey) PublishedKey {
	kid := KeyID(pub)
	return PublishedKey{Alg: Alg, Key: base64.StdEncoding.EncodeToString(pub), Kid: kid,
		JWK: JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub), Kid: kid, Use: "sig", Alg: "EdDSA"}}
}

// ParsePublicKey reads an Ed25519 public key as the well-known URL gives it
// (PublishedKey), as a bare JWK, as a PEM "PUBLIC KEY", or as the base64
// (standard or URL) of its 32 bytes.
func ParsePublicKey(b []byte) (ed25519.PublicKey, error) {
	s := strings.TrimSpace(string(b))
	bad := func(what string) (ed25519.PublicKey, error) {
		return nil, fmt.Errorf("not an Ed25519 public key: %s", what)
	}
	switch {
	case strings.HasPrefix(s, "{"):
		var k struct {
			PublishedKey
			Kty, Crv, X string
		}
		if err := json.Unmarshal([]byte(s), &k); err != nil {
			return bad("not valid JSON")
		}
		switch {
		case k.Key != "":
			return rawKey(base64.StdEncoding, k.Key)
		case k.JWK.X != "" && k.JWK.Kty == "OKP" && k.JWK.Crv == "Ed25519":
			return rawKey(base64.RawURLEncoding, k.JWK.X)
		case k.X != "" && k.Kty == "OKP" && k.Crv == "Ed25519":
			return rawKey(base64.RawURLEncoding, k.X)
		}
		return bad(`JSON with neither "key" nor an OKP Ed25519 JWK`)
	case strings.HasPrefix(s, "-----BEGIN"):
		block, _ := pem.Decode([]byte(s))
		if block == nil || block.Type != "PUBLIC KEY" {
			return bad("PEM without a PUBLIC KEY block")
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return bad(err.Error())
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return bad("the PEM key is of another algorithm")
		}
		return pub, nil
	}
	if k, err := rawKey(base64.StdEncoding, s); err == nil {
		return k, nil
	}
	return rawKey(base64.RawURLEncoding, s)
}

func rawKey(enc *base64.Encoding, s string) (ed25519.PublicKey, error) {
	b, err := enc.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("not an Ed25519 public key: not the base64 of 32 bytes")
	}
	return ed25519.PublicKey(b), nil
}
