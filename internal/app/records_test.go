// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/controller"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestRecordOfProcessingFollowsTheConfiguration: the Art. 30 record is made
// from what runs: refused naming the DPO when none is configured;
// with one, it has each purpose with its legal basis, Meta as processor,
// the configured retention, and the checkpoints' measures only when they
// are switched on; an operator adds the Art. 30(2) record.
func TestRecordOfProcessingFollowsTheConfiguration(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		if _, err := tb.app.RecordOfProcessing(tb.ctx, auditor); !errors.Is(err, app.ErrRefused) || !strings.Contains(err.Error(), "data protection officer") {
			t.Errorf("no DPO configured: %v", err)
		}
		if _, err := tb.app.RecordOfProcessing(tb.ctx, marketer); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("a marketer read the record: %v", err)
		}
		cfg := app.Config{Controller: controller.Controller{Email: "post@butikk.example", DPO: controller.Contact{Email: "dpo@butikk.example"},
			Operator: controller.Contact{Name: "Byrå AS", Email: "drift@byraa.example"}}, CheckpointDir: t.TempDir()}
		tb2 := setupWith(t, b, cfg)
		tb2.seed(t)
		rec, err := tb2.app.RecordOfProcessing(tb2.ctx, auditor)
		if err != nil {
			t.Fatal(err)
		}
		keys := map[string]string{}
		for _, a := range rec.Activities {
			keys[a.Key] = a.LegalBasis
		}
		if !strings.Contains(keys["offers"], "6(1)(a)") || !strings.Contains(keys["customers"], "§ 15(3)") {
			t.Errorf("legal bases: %v", keys)
		}
		if rec.Recipients[0].Role != "processor" || !strings.Contains(rec.Recipients[0].Name, "Meta") || rec.Transfers[0].Country != "US" {
			t.Errorf("Meta and the transfer: %+v %+v", rec.Recipients, rec.Transfers)
		}
		var proof string
		for _, r := range rec.Retention {
			if strings.HasPrefix(r.Class, "proof of consent") {
				proof = r.Period
			}
		}
		if proof != "3 years (1095 days)" {
			t.Errorf("the proof period in the record: %q", proof)
		}
		on := map[string]bool{}
		for _, m := range rec.Measures {
			on[m.Name] = m.On
		}
		if !on["Signed ledger checkpoints"] || !on["TLS on the public address"] || on["Encrypted backups"] {
			t.Errorf("measures: %v", on)
		}
		if rec.Processor == nil || rec.Processor.Processor.Name != "Byrå AS" {
			t.Errorf("the processor's record: %+v", rec.Processor)
		}
	})
}

// TestDPIAVersionsAndReview: with none saved the DPIA is a draft from the
// record and the screening (D-02); saving makes versions 1, 2 ...; a
// document lacking a part is refused; a new purpose marks the newest
// version for review (D-01, Art. 35(11)).
func TestDPIAVersionsAndReview(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		tb.consented(t, "+47 912 34 567")
		draft, err := tb.app.DPIA(tb.ctx, auditor, 0)
		if err != nil {
			t.Fatal(err)
		}
		if draft.Saved || draft.Version != 0 || !strings.Contains(draft.Description, "offers") || len(draft.Risks) != 3 {
			t.Fatalf("the draft: %+v", draft)
		}
		if draft.Current.Figures.Contacts != 1 || draft.Current.Figures.ActiveConsents != 1 || !draft.Current.Figures.ExistingCustomers {
			t.Errorf("live figures: %+v", draft.Current.Figures)
		}
		in := app.DPIAInput{Description: draft.Description, Necessity: draft.Necessity, RisksSummary: draft.RisksSummary,
			MeasuresSummary: draft.MeasuresSummary, Risks: draft.Risks}
		if _, err := tb.app.SaveDPIA(tb.ctx, auditor, in); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("an auditor saved the DPIA: %v", err)
		}
		bad := in
		bad.Risks = bad.Risks[1:]
		if _, err := tb.app.SaveDPIA(tb.ctx, dpo, bad); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("a register without illegitimate access: %v", err)
		}
		v1, err := tb.app.SaveDPIA(tb.ctx, dpo, in)
		if err != nil || v1.Version != 1 || !v1.Saved || v1.NeedsReview {
			t.Fatalf("version 1: %+v, %v", v1, err)
		}
		in.DPOAdvice = "Godkjent."
		if v2, err := tb.app.SaveDPIA(tb.ctx, dpo, in); err != nil || v2.Version != 2 {
			t.Fatalf("version 2: %+v, %v", v2, err)
		}
		if _, err := tb.app.CreatePurpose(tb.ctx, admin, consent.Purpose{Key: "news", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
			RetentionDays: 365, Description: consent.Text{NB: "Nyheter", EN: "News"}}); err != nil {
			t.Fatal(err)
		}
		now, err := tb.app.DPIA(tb.ctx, auditor, 0)
		if err != nil || now.Version != 2 || !now.NeedsReview {
			t.Errorf("after a new purpose: version %d, needs review %v, %v", now.Version, now.NeedsReview, err)
		}
		if first, err := tb.app.DPIA(tb.ctx, auditor, 1); err != nil || first.DPOAdvice != "" {
			t.Errorf("version 1 kept as it was: %+v, %v", first.DPOAdvice, err)
		}
		if vs, _ := tb.app.DPIAVersions(tb.ctx, auditor); len(vs) != 2 || vs[0].Version != 2 {
			t.Errorf("versions: %+v", vs)
		}
	})
}
