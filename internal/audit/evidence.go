// SPDX-License-Identifier: AGPL-3.0-only

package audit

import (
	"strings"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/notice"
)

// What can be wrong with an active consent's evidence (consent_evidence).
const (
	EvidenceNoEvent        = "no_event"             // the state names no event of the ledger
	EvidenceNotAConsent    = "not_a_consent"        // the event is not a consent of the contact to the purpose
	EvidenceNoPurpose      = "purpose_not_defined"  // the purpose does not exist
	EvidenceGone           = "evidence_gone"        // nothing sealed, or the contact's key is gone
	EvidenceUnreadable     = "evidence_unreadable"  // it does not open, parse or match its digest
	EvidenceNoAct          = "no_affirmative_act"   // C-01
	EvidenceNoWording      = "no_wording_hash"      // the text shown (C-03, L-03)
	EvidenceNoConfirmation = "no_confirmation"      // double opt-in (C-04, L-03)
	EvidenceNoSoftOptIn    = "no_soft_opt_in_proof" // order, product category, opt-out offered (M-05)
	EvidenceNoNotice       = "no_notice"            // names no notice (T-01)
	EvidenceNoticeNotFound = "notice_not_published" // names a notice that is not a published one
	EvidenceNoticeMismatch = "notice_mismatch"      // version or hash differ from the notice published
)

// Consents are the kinds of event an active consent may rest on.
var Consents = []ledger.Kind{ledger.Confirmed, ledger.SoftOptIn, ledger.Refreshed}

// IsConsent reports whether an active consent may rest on an event of kind k.
func IsConsent(k ledger.Kind) bool {
	for _, c := range Consents {
		if c == k {
			return true
		}
	}
	return false
}

// EvidenceProblem judges the opened evidence of the event an active consent
// rests on, a consent of kind, for a purpose on basis; notices are every
// notice by id. It returns the first thing missing (the Evidence*
// constants), or "" when the evidence is complete: a soft opt-in proves the
// sale, the product category and the opt-out offered (M-05); any other
// consent the affirmative act (C-01) and the text shown (L-03), and, for a
// purpose that rests on consent, the double opt-in's confirmation (C-04);
// every consent names a published notice by id, version and hash, and that
// notice still hashes to what it says (T-01).
func EvidenceProblem(basis consent.Basis, kind ledger.Kind, ev ledger.Evidence, notices map[string]notice.Notice) string {
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	if kind == ledger.SoftOptIn {
		if blank(ev.OrderRef) || blank(ev.ProductCategory) || blank(ev.OptOutOfferedAt) {
			return EvidenceNoSoftOptIn
		}
	} else {
		switch {
		case blank(ev.AffirmativeAct):
			return EvidenceNoAct
		case blank(ev.WordingHash):
			return EvidenceNoWording
		case basis == consent.BasisConsent && (blank(ev.ConfirmationChannel) || blank(ev.ConfirmationMessageID)):
			return EvidenceNoConfirmation
		}
	}
	if ev.NoticeID == "" || ev.NoticeVersion == 0 || ev.NoticeHash == "" {
		return EvidenceNoNotice
	}
	n, ok := notices[ev.NoticeID]
	switch {
	case !ok || n.Version == 0:
		return EvidenceNoticeNotFound
	case n.Version != ev.NoticeVersion || n.Hash != ev.NoticeHash || n.Hash != n.ContentHash():
		return EvidenceNoticeMismatch
	}
	return ""
}
