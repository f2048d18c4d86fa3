// SPDX-License-Identifier: AGPL-3.0-only

// Package ledger defines the consent ledger: append-only events, one hash chain
// per contact (L-01, L-02, invariant 3).
//
// Each event's hash covers its fields, the digest of its evidence and the hash
// of the contact's previous event. Evidence (which may hold personal data such
// as an IP address) is stored apart, sealed under the contact's data key, so
// erasing a person drops the evidence but keeps its digest: the chain still
// verifies (L-05). Chains are per contact so that consents of different people
// never wait on each other, also across replicas.
package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/chain"
)

// Kind is what happened to a consent.
type Kind string

// The event kinds (L-01).
const (
	Requested Kind = "requested"   // a person asked to opt in; pending until confirmed
	Confirmed Kind = "confirmed"   // the person confirmed: consent given
	Withdrawn Kind = "withdrawn"   // the person withdrew consent for a purpose (C-05)
	Objected  Kind = "objected"    // objection to direct marketing: every marketing purpose
	Expired   Kind = "expired"     // a pending request or a consent ran out
	Refreshed Kind = "refreshed"   // the person re-affirmed an existing consent (C-10)
	SoftOptIn Kind = "soft_opt_in" // existing customer relationship recorded (mfl § 15(3), M-05)
	Rectified Kind = "rectified"   // personal data was corrected
	Erased    Kind = "erased"      // the person's data was crypto-shredded (L-05)
)

// Kinds lists every kind, in a stable order.
var Kinds = []Kind{Requested, Confirmed, Withdrawn, Objected, Expired, Refreshed, SoftOptIn, Rectified, Erased}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Evidence is what proves an event (C-03, L-03). It is hashed into the chain
// and stored sealed under the contact's key.
type Evidence struct {
	NoticeID       string `json:"notice_id,omitempty"`
	NoticeVersion  int    `json:"notice_version,omitempty"`
	NoticeHash     string `json:"notice_hash,omitempty"`
	WordingHash    string `json:"wording_hash,omitempty"` // hash of the exact consent text shown
	Language       string `json:"language,omitempty"`
	FlowVersion    string `json:"flow_version,omitempty"` // which capture flow (C-01)
	AffirmativeAct string `json:"affirmative_act,omitempty"`
	MinAge         int    `json:"min_age,omitempty"`
	IP             string `json:"ip,omitempty"`
	UserAgent      string `json:"user_agent,omitempty"`
	CollectedAt    string `json:"collected_at,omitempty"` // when collected elsewhere (RFC 3339)
	// ConfirmationChannel and ConfirmationMessageID identify the double opt-in answer.
	ConfirmationChannel   string `json:"confirmation_channel,omitempty"`
	ConfirmationMessageID string `json:"confirmation_message_id,omitempty"`
	// Confirmation says who vouches for the double opt-in answer:
	// ConfirmationVerified when samtykke received it itself, from the
	// person's own number; ConfirmationAsserted when an integrator reports an
	// answer samtykke never saw.
	Confirmation string `json:"confirmation,omitempty"`
	// OrderRef, ProductCategory and OptOutOfferedAt are the soft opt-in proof (M-05).
	OrderRef        string `json:"order_ref,omitempty"`
	ProductCategory string `json:"product_category,omitempty"`
	OptOutOfferedAt string `json:"opt_out_offered_at,omitempty"`
	Reason          string `json:"reason,omitempty"`
	// Extra holds further evidence fields of the collecting system.
	Extra map[string]string `json:"extra,omitempty"`
}

// Who vouches for a confirmation (Evidence.Confirmation).
const (
	ConfirmationVerified = "verified_by_samtykke"
	ConfirmationAsserted = "asserted_by_integrator"
)

// Digest is the SHA-256 of the evidence's canonical JSON.
func (ev Evidence) Digest() []byte {
	sum := sha256.Sum256(ev.Marshal())
	return sum[:]
}

// Marshal is the evidence's canonical JSON, the bytes its digest is taken
// of (and an import seals).
func (ev Evidence) Marshal() []byte {
	b, err := json.Marshal(ev) // struct fields in fixed order; map keys sorted
	if err != nil {
		panic("ledger: evidence does not marshal: " + err.Error())
	}
	return b
}

// Event is one entry of a contact's chain. Seq starts at 1 for a contact's
// first event; PrevHash of that event is empty.
type Event struct {
	ID             string    `json:"id"`
	ContactID      string    `json:"contact_id"`
	Seq            int64     `json:"seq"`
	Kind           Kind      `json:"kind"`
	Purpose        string    `json:"purpose,omitempty"` // empty for contact-wide events
	Channel        string    `json:"channel,omitempty"`
	At             time.Time `json:"at"` // server time, UTC
	Method         string    `json:"method"`
	Source         string    `json:"source,omitempty"`
	Actor          string    `json:"actor"`
	ValidUntil     time.Time `json:"valid_until,omitzero"` // refresh due, if the purpose sets one
	AgeConfirmed   bool      `json:"age_confirmed"`        // the person confirmed the minimum age (C-12, C-13)
	EvidenceDigest []byte    `json:"evidence_digest"`
	PrevHash       []byte    `json:"prev_hash,omitempty"`
	Hash           []byte    `json:"hash"`
}

// Head is the end of a contact's chain: the last event's seq and hash.
type Head = chain.Head

// Next fills in the chain fields of e as the event following head, with the
// evidence's digest, and computes its hash.
func Next(head Head, e Event, ev Evidence) Event {
	return NextMarshalled(head, e, ev.Marshal())
}

// NextMarshalled is Next for evidence already marshalled with Marshal: a
// caller that seals the evidence marshals it once for both (an import
// does, a million times).
func NextMarshalled(head Head, e Event, evidence []byte) Event {
	e.Seq = head.Seq + 1
	e.PrevHash = head.Hash
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if !e.ValidUntil.IsZero() {
		e.ValidUntil = e.ValidUntil.UTC().Truncate(time.Microsecond)
	}
	sum := sha256.Sum256(evidence)
	e.EvidenceDigest = sum[:]
	e.Hash = e.ComputeHash()
	return e
}

// ComputeHash is H(canonical fields || prev_hash).
func (e Event) ComputeHash() []byte {
	f := chain.NewFields("samtykke-ledger-v1", 512)
	f.Add(e.ID)
	f.Add(e.ContactID)
	f.Add(strconv.FormatInt(e.Seq, 10))
	f.Add(string(e.Kind))
	f.Add(e.Purpose)
	f.Add(e.Channel)
	f.Add(e.At.UTC().Format(time.RFC3339Nano))
	f.Add(e.Method)
	f.Add(e.Source)
	f.Add(e.Actor)
	vu := ""
	if !e.ValidUntil.IsZero() {
		vu = e.ValidUntil.UTC().Format(time.RFC3339Nano)
	}
	f.Add(vu)
	f.Add(strconv.FormatBool(e.AgeConfirmed))
	f.Add(hex.EncodeToString(e.EvidenceDigest))
	return f.Sum(e.PrevHash)
}

// ErrBroken is wrapped by every verification failure.
var ErrBroken = errors.New("ledger: chain does not verify")

// Fault says where and why a chain, or the state derived from it, failed
// verification.
type Fault struct {
	ContactID string
	EventID   string
	Seq       int64
	// Purpose names the purpose whose stored consent state is not what the
	// contact's events fold into (invariant 11); empty otherwise.
	Purpose string
	Problem string
}

func (f *Fault) Error() string {
	var b strings.Builder
	b.WriteString("ledger:")
	if f.ContactID != "" {
		fmt.Fprintf(&b, " contact %s", f.ContactID)
	}
	switch {
	case f.EventID != "":
		fmt.Fprintf(&b, " event %s (seq %d)", f.EventID, f.Seq)
	case f.Seq != 0:
		fmt.Fprintf(&b, " at seq %d", f.Seq)
	}
	if f.Purpose != "" {
		fmt.Fprintf(&b, " purpose %s", f.Purpose)
	}
	b.WriteString(": " + f.Problem)
	return b.String()
}

// Unwrap makes errors.Is(err, ErrBroken) true.
func (f *Fault) Unwrap() error { return ErrBroken }

// Verifier checks chains event by event, in (contact, seq) order, holding one
// head per contact at a time: memory does not grow with the ledger.
type Verifier struct {
	contact string
	head    Head
	// Heads, when set, is called with each finished chain's head, so that a
	// caller can compare it with the head the contact row records (a removed
	// tail leaves a shorter chain than the row says).
	Heads func(contactID string, head Head) error
	// Count is the number of events checked so far.
	Count int64
}

// Begin finishes the current chain and starts the chain of contactID, which
// may have no events at all.
func (v *Verifier) Begin(contactID string) error {
	if err := v.finish(); err != nil {
		return err
	}
	v.contact, v.head = contactID, Head{}
	return nil
}

// Add checks the next event. Events must arrive ordered by contact, then seq.
func (v *Verifier) Add(e Event) error {
	if e.ContactID != v.contact {
		if err := v.Begin(e.ContactID); err != nil {
			return err
		}
	}
	v.Count++
	if p := chain.Follows(v.head, e.Seq, e.PrevHash, e.Hash, e.ComputeHash, "event"); p != "" {
		return &Fault{ContactID: e.ContactID, EventID: e.ID, Seq: e.Seq, Problem: p}
	}
	v.head = Head{Seq: e.Seq, Hash: e.Hash}
	return nil
}

// Close finishes the last chain.
func (v *Verifier) Close() error { return v.finish() }

func (v *Verifier) finish() error {
	if v.contact == "" || v.Heads == nil {
		return nil
	}
	return v.Heads(v.contact, v.head)
}
