// SPDX-License-Identifier: AGPL-3.0-only

package queue

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/vault"
)

// TestVerifyWorkerSeesDerivedState: the periodic verification reports a
// consent state changed straight in the database, chains intact, in
// samtykke_ledger_verified and in its log line, naming the contact and the
// purpose (invariant 11, S-04).
func TestVerifyWorkerSeesDerivedState(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		ctx := context.Background()
		s := b.Open(t)
		master := make([]byte, vault.KeySize)
		_, _ = rand.Read(master)
		v, err := vault.New(master)
		if err != nil {
			t.Fatal(err)
		}
		a := app.New(s, v, app.Config{}, slog.New(slog.DiscardHandler))
		admin := app.Actor{Name: "test", Role: staff.Admin}
		if _, err := a.CreatePurpose(ctx, admin, consent.Purpose{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
			RetentionDays: 30, Description: consent.Text{NB: "Tilbud", EN: "Offers"}}); err != nil {
			t.Fatal(err)
		}
		n := notice.Notice{Language: "nb", Summary: "Kort"}
		for _, it := range notice.Required {
			n.Sections = append(n.Sections, notice.Section{Item: it, Body: "tekst"})
		}
		if n, err = a.CreateNotice(ctx, admin, n); err == nil {
			_, err = a.PublishNotice(ctx, admin, n.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		rec, err := a.RecordConsent(ctx, admin, app.ConsentInput{Subject: app.Subject{Phone: "+47 912 34 567"}, Purpose: "offers",
			Method: "web_form", CollectedAt: time.Now().Add(-time.Minute), AgeConfirmed: true,
			Evidence: ledger.Evidence{AffirmativeAct: "checkbox", WordingHash: "h", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "wamid.1"}})
		if err == nil {
			_, err = a.Withdraw(ctx, admin, app.WithdrawInput{Subject: app.Subject{ContactID: rec.ContactID}, Purpose: "offers"})
		}
		if err != nil {
			t.Fatal(err)
		}
		ok := prometheus.NewGauge(prometheus.GaugeOpts{Name: "samtykke_ledger_verified"})
		reg := prometheus.NewRegistry()
		reg.MustRegister(ok)
		verified := func() float64 {
			t.Helper()
			mfs, err := reg.Gather()
			if err != nil || len(mfs) != 1 {
				t.Fatalf("gather = %v, %v", mfs, err)
			}
			return mfs[0].GetMetric()[0].GetGauge().GetValue()
		}
		var logged bytes.Buffer
		w := &verifyLedgerWorker{app: a, log: slog.New(slog.NewTextHandler(&logged, nil)), ok: ok,
			events: prometheus.NewGauge(prometheus.GaugeOpts{Name: "events"})}
		if err := w.Work(ctx, nil); err != nil || verified() != 1 {
			t.Fatalf("untampered: Work = %v, verified = %v; want 1", err, verified())
		}
		if err := b.Exec(t, s, `UPDATE consent_states SET status = 'active', basis = 'consent' WHERE contact_id = $1`, rec.ContactID); err != nil {
			t.Fatal(err)
		}
		if err := w.Work(ctx, nil); err != nil || verified() != 0 {
			t.Fatalf("state set back to active: Work = %v, verified = %v; want 0", err, verified())
		}
		line := logged.String()
		if !strings.Contains(line, "ledger verification failed") || !strings.Contains(line, "contact_id="+rec.ContactID) ||
			!strings.Contains(line, "purpose=offers") || strings.Contains(line, "91234567") {
			t.Errorf("log = %q; want the failure naming the contact and purpose, and no number", line)
		}
	})
}

// TestRetentionJobRunsAtStart: the queue schedules the daily retention job
// and runs it at start, so that what is due goes without anyone asking
// (RT-01, P-05): here a contact with no purpose, made 31 days ago, is
// erased, and the run is in the retention log.
func TestRetentionJobRunsAtStart(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		ctx := context.Background()
		s := b.Open(t)
		master := make([]byte, vault.KeySize)
		_, _ = rand.Read(master)
		v, err := vault.New(master)
		if err != nil {
			t.Fatal(err)
		}
		a := app.New(s, v, app.Config{}, slog.New(slog.DiscardHandler))
		made := time.Now().Add(-31 * 24 * time.Hour)
		a.NowFunc = func() time.Time { return made }
		id, _, err := a.CreateContact(ctx, app.Actor{Name: "test", Role: staff.Admin}, app.NewContact{Phone: "+47 912 34 567"})
		if err != nil {
			t.Fatal(err)
		}
		a.NowFunc = time.Now
		q, err := Start(ctx, s, a, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), Config{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = q.Stop(stop)
		})
		// The step records what it erased once its walk is done.
		deadline := time.Now().Add(time.Minute)
		for {
			es, err := s.RetentionLog(ctx, "", 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) > 0 {
				if len(es) != 1 || es[0].Count != 1 || es[0].Class != "contacts" {
					t.Fatalf("retention log = %+v; want the one erasure", es)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the retention job did not run within a minute of the start")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if c, err := s.Contact(ctx, id); err != nil || !c.Erased() {
			t.Fatalf("contact = %+v, %v; want it erased", c, err)
		}
	})
}

// TestAuditWorkerStoresTheReport: the daily job runs the compliance audit
// as the system, stores its report and sets samtykke_audit_checks by
// verdict; its log line names the report and the counts, and no number
// (S-04).
func TestAuditWorkerStoresTheReport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		ctx := context.Background()
		s := b.Open(t)
		master := make([]byte, vault.KeySize)
		_, _ = rand.Read(master)
		v, err := vault.New(master)
		if err != nil {
			t.Fatal(err)
		}
		a := app.New(s, v, app.Config{}, slog.New(slog.DiscardHandler))
		admin := app.Actor{Name: "test", Role: staff.Admin}
		if _, err := a.CreatePurpose(ctx, admin, consent.Purpose{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
			RetentionDays: 30, Description: consent.Text{NB: "Tilbud", EN: "Offers"}}); err != nil {
			t.Fatal(err)
		}
		checks := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "samtykke_audit_checks"}, []string{"status"})
		var logged bytes.Buffer
		w := &auditWorker{app: a, log: slog.New(slog.NewTextHandler(&logged, nil)), checks: checks}
		if err := w.Work(ctx, nil); err != nil {
			t.Fatal(err)
		}
		list, err := a.Audits(ctx, admin, 0)
		if err != nil || len(list) != 1 || list[0].Actor != "system" {
			t.Fatalf("Audits = %+v, %v; want the job's report, by the system", list, err)
		}
		sum := list[0].Summary
		reg := prometheus.NewRegistry()
		reg.MustRegister(checks)
		mfs, err := reg.Gather()
		if err != nil || len(mfs) != 1 {
			t.Fatalf("gather = %v, %v", mfs, err)
		}
		got := map[string]float64{}
		for _, m := range mfs[0].GetMetric() {
			got[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
		if want := map[string]float64{"pass": float64(sum.Pass), "warn": float64(sum.Warn), "fail": float64(sum.Fail)}; !maps.Equal(got, want) {
			t.Errorf("samtykke_audit_checks = %v, want %v", got, want)
		}
		if sum.Fail == 0 {
			t.Errorf("no notice is published, yet nothing failed: %+v", sum)
		}
		if line := logged.String(); !strings.Contains(line, "compliance audit") || !strings.Contains(line, "audit_id="+list[0].ID) ||
			!strings.Contains(line, "level=WARN") {
			t.Errorf("log = %q; want a warning naming the report", line)
		}
	})
}
