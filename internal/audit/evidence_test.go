// SPDX-License-Identifier: AGPL-3.0-only

package audit_test

import (
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/audit"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/notice"
)

// TestEvidenceProblem: what an active consent's evidence must hold (C-01,
// C-03, C-04, L-03, M-05, T-01), one missing piece at a time.
func TestEvidenceProblem(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	published := notice.Notice{ID: "n1", Language: "nb", Version: 2, Summary: "Kort", PublishedAt: &at,
		Sections: []notice.Section{{Item: notice.Controller, Body: "Butikken AS"}}}
	published.Hash = published.ContentHash()
	altered := published
	altered.ID, altered.Summary = "n2", "Endret etterpå" // its stored hash no longer fits
	draft := notice.Notice{ID: "n3", Language: "nb"}
	notices := map[string]notice.Notice{"n1": published, "n2": altered, "n3": draft}
	full := ledger.Evidence{NoticeID: "n1", NoticeVersion: 2, NoticeHash: published.Hash, WordingHash: "sha256:1",
		AffirmativeAct: "ticked the box", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "wamid.1"}
	soft := ledger.Evidence{NoticeID: "n1", NoticeVersion: 2, NoticeHash: published.Hash, OrderRef: "O-1", ProductCategory: "sko",
		OptOutOfferedAt: "2026-01-01T00:00:00Z"}
	for _, tc := range []struct {
		name  string
		basis consent.Basis
		kind  ledger.Kind
		ev    func(ledger.Evidence) ledger.Evidence
		soft  bool
		want  string
	}{
		{name: "complete", basis: consent.BasisConsent, kind: ledger.Confirmed, want: ""},
		{name: "no act", basis: consent.BasisConsent, kind: ledger.Confirmed, ev: func(e ledger.Evidence) ledger.Evidence { e.AffirmativeAct = " "; return e }, want: audit.EvidenceNoAct},
		{name: "no wording", basis: consent.BasisConsent, kind: ledger.Confirmed, ev: func(e ledger.Evidence) ledger.Evidence { e.WordingHash = ""; return e }, want: audit.EvidenceNoWording},
		{name: "no confirmation", basis: consent.BasisConsent, kind: ledger.Confirmed, ev: func(e ledger.Evidence) ledger.Evidence { e.ConfirmationMessageID = ""; return e }, want: audit.EvidenceNoConfirmation},
		{name: "no confirmation needed on the existing-customer basis", basis: consent.BasisExistingCustomer, kind: ledger.Confirmed,
			ev: func(e ledger.Evidence) ledger.Evidence { e.ConfirmationChannel = ""; return e }, want: ""},
		{name: "no notice", basis: consent.BasisConsent, kind: ledger.Confirmed, ev: func(e ledger.Evidence) ledger.Evidence { e.NoticeHash = ""; return e }, want: audit.EvidenceNoNotice},
		{name: "an unknown notice", basis: consent.BasisConsent, kind: ledger.Confirmed, ev: func(e ledger.Evidence) ledger.Evidence { e.NoticeID = "n9"; return e }, want: audit.EvidenceNoticeNotFound},
		{name: "a draft", basis: consent.BasisConsent, kind: ledger.Confirmed, ev: func(e ledger.Evidence) ledger.Evidence { e.NoticeID = "n3"; return e }, want: audit.EvidenceNoticeNotFound},
		{name: "another version", basis: consent.BasisConsent, kind: ledger.Confirmed, ev: func(e ledger.Evidence) ledger.Evidence { e.NoticeVersion = 1; return e }, want: audit.EvidenceNoticeMismatch},
		{name: "another hash", basis: consent.BasisConsent, kind: ledger.Confirmed, ev: func(e ledger.Evidence) ledger.Evidence { e.NoticeHash = "abc"; return e }, want: audit.EvidenceNoticeMismatch},
		{name: "a notice altered since", basis: consent.BasisConsent, kind: ledger.Confirmed, ev: func(e ledger.Evidence) ledger.Evidence { e.NoticeID = "n2"; return e }, want: audit.EvidenceNoticeMismatch},
		{name: "soft opt-in complete", basis: consent.BasisExistingCustomer, kind: ledger.SoftOptIn, soft: true, want: ""},
		{name: "soft opt-in without its order", basis: consent.BasisExistingCustomer, kind: ledger.SoftOptIn, soft: true,
			ev: func(e ledger.Evidence) ledger.Evidence { e.OrderRef = ""; return e }, want: audit.EvidenceNoSoftOptIn},
		{name: "soft opt-in without the opt-out offered", basis: consent.BasisExistingCustomer, kind: ledger.SoftOptIn, soft: true,
			ev: func(e ledger.Evidence) ledger.Evidence { e.OptOutOfferedAt = ""; return e }, want: audit.EvidenceNoSoftOptIn},
		{name: "soft opt-in without a notice", basis: consent.BasisExistingCustomer, kind: ledger.SoftOptIn, soft: true,
			ev: func(e ledger.Evidence) ledger.Evidence { e.NoticeID = ""; return e }, want: audit.EvidenceNoNotice},
	} {
		ev := full
		if tc.soft {
			ev = soft
		}
		if tc.ev != nil {
			ev = tc.ev(ev)
		}
		if got := audit.EvidenceProblem(tc.basis, tc.kind, ev, notices); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if !audit.IsConsent(ledger.Refreshed) || audit.IsConsent(ledger.Requested) || audit.IsConsent(ledger.Withdrawn) {
		t.Error("IsConsent")
	}
}
