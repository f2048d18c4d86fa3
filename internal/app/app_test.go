// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/vault"
)

// bundle is what a test works with: a real store of one backend, the app on it.
type bundle struct {
	ctx   context.Context
	app   *app.App
	store store.Store
	b     storetest.Backend
	vault *vault.Vault
	now   time.Time
}

var (
	admin      = app.Actor{ID: "t-admin", Name: "admin", Role: staff.Admin}
	integrator = app.Actor{ID: "t-int", Name: "shop", Role: staff.Integrator}
	marketer   = app.Actor{ID: "t-mkt", Name: "marketing", Role: staff.Marketer}
)

func setup(t testing.TB, b storetest.Backend) *bundle { return setupWith(t, b, app.Config{}) }

// setupWith is setup with more of the app's configuration.
func setupWith(t testing.TB, b storetest.Backend, cfg app.Config) *bundle {
	t.Helper()
	master := make([]byte, vault.KeySize)
	_, _ = rand.Read(master)
	v, err := vault.New(master)
	if err != nil {
		t.Fatal(err)
	}
	s := b.Open(t)
	cfg.PublicURL = "https://butikk.example"
	a := app.New(s, v, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	tb := &bundle{ctx: context.Background(), app: a, store: s, b: b, vault: v, now: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
	a.NowFunc = func() time.Time { return tb.now }
	return tb
}

// completeNotice has every Art. 13 item (T-01).
func completeNotice(lang string) notice.Notice {
	n := notice.Notice{Language: lang, Summary: "Vi sender tilbud på WhatsApp når du har sagt ja."}
	for _, it := range notice.Required {
		n.Sections = append(n.Sections, notice.Section{Item: it, Title: string(it), Body: "Tekst om " + string(it)})
	}
	return n
}

// seed creates the purposes "offers" (consent, refresh 365 days) and
// "customers" (existing customer), and publishes a notice in nb and en.
// consented records a confirmed consent to offers for number.
func (tb *bundle) consented(t testing.TB, number string) app.Recorded {
	t.Helper()
	rec, err := tb.app.RecordConsent(tb.ctx, integrator, confirmed(number))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func (tb *bundle) seed(t testing.TB) {
	t.Helper()
	for _, p := range []consent.Purpose{
		{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent, RetentionDays: 365, RefreshDays: 365,
			Description: consent.Text{NB: "Tilbud", EN: "Offers"}},
		{Key: "customers", Channel: consent.WhatsApp, Basis: consent.BasisExistingCustomer, RetentionDays: 365,
			Description: consent.Text{NB: "Kundetilbud", EN: "Customer offers"}},
	} {
		if _, err := tb.app.CreatePurpose(tb.ctx, admin, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, lang := range []string{"nb", "en"} {
		n, err := tb.app.CreateNotice(tb.ctx, admin, completeNotice(lang))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tb.app.PublishNotice(tb.ctx, admin, n.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// confirmed is a consent collected with double confirmation.
func confirmed(phone string) app.ConsentInput {
	return app.ConsentInput{
		Subject: app.Subject{Phone: phone}, Purpose: "offers", Method: "web_form",
		CollectedAt: time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC), AgeConfirmed: true,
		Evidence: ledger.Evidence{AffirmativeAct: "checkbox", WordingHash: "sha256:abc", IP: "192.0.2.10",
			UserAgent: "Firefox", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "wamid.1"},
	}
}

// rows counts rows of the tables a failed call must leave untouched.
func (tb *bundle) rows(t *testing.T) int64 {
	t.Helper()
	var n int64
	for _, table := range []string{"contacts", "consent_events", "consent_states", "suppressions", "access_log"} {
		n += tb.b.Int(t, tb.store, "SELECT count(*) FROM "+table)
	}
	return n
}

// TestEvidenceIsChecked: an evidence IP must be an address, and who vouches
// for a confirmation is samtykke's to say, never the caller's (L-03).
func TestEvidenceIsChecked(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	tb.seed(t)
	before := tb.rows(t)
	for _, tweak := range []func(*app.ConsentInput){
		func(in *app.ConsentInput) { in.Evidence.IP = "sms fra kunden" },
		func(in *app.ConsentInput) { in.Evidence.IP = "192.0.2.300" },
		func(in *app.ConsentInput) { in.Evidence.Confirmation = ledger.ConfirmationVerified },
	} {
		in := confirmed("+47 912 34 567")
		tweak(&in)
		if _, err := tb.app.RecordConsent(tb.ctx, integrator, in); !errors.Is(err, app.ErrInvalid) {
			t.Errorf("RecordConsent(%+v) = %v; want ErrInvalid", in.Evidence, err)
		}
	}
	if after := tb.rows(t); after != before {
		t.Errorf("refused evidence changed %d rows", after-before)
	}
	in := confirmed("+47 912 34 567")
	in.Evidence.IP = "2001:db8::7"
	if _, err := tb.app.RecordConsent(tb.ctx, integrator, in); err != nil {
		t.Errorf("an IPv6 address: %v", err)
	}
}

func TestConsentLifecycle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		ctx := tb.ctx

		rec, err := tb.app.RecordConsent(ctx, integrator, confirmed("+47 912 34 567"))
		if err != nil {
			t.Fatal(err)
		}
		if rec.Kind != ledger.Confirmed || rec.State.Status != consent.StatusActive {
			t.Fatalf("recorded %+v; want a confirmed, active consent", rec)
		}
		// G-01, G-06: the gate allows and names the authorising event.
		d, err := tb.app.Gate(ctx, marketer, rec.ContactID, "offers")
		if err != nil || !d.Allowed || d.EventID != rec.EventID {
			t.Fatalf("gate = %+v, %v; want allowed by %s", d, err, rec.EventID)
		}
		// The same number in another spelling is the same contact.
		id, err := tb.app.Lookup(ctx, integrator, "0047 91234567", "support case 1")
		if err != nil || id != rec.ContactID {
			t.Fatalf("lookup = %q, %v; want %q", id, err, rec.ContactID)
		}
		// C-10: past the refresh date the consent no longer counts.
		tb.now = tb.now.AddDate(1, 0, 1)
		if d, _ := tb.app.Gate(ctx, marketer, rec.ContactID, "offers"); d.Allowed || d.Reason != consent.ReasonExpired {
			t.Fatalf("gate after refresh date = %+v; want expired", d)
		}
		tb.now = tb.now.AddDate(-1, 0, -1)

		// C-05: withdrawal takes effect at once.
		w, err := tb.app.Withdraw(ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: rec.ContactID}, Purpose: "offers"})
		if err != nil || w.EventID == "" || w.Suppressed {
			t.Fatalf("withdraw = %+v, %v", w, err)
		}
		if d, _ := tb.app.Gate(ctx, marketer, rec.ContactID, "offers"); d.Allowed || d.Reason != consent.ReasonWithdrawn {
			t.Fatalf("gate after withdrawal = %+v; want withdrawn", d)
		}
		// Withdrawing again changes nothing.
		again, err := tb.app.Withdraw(ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: rec.ContactID}, Purpose: "offers"})
		if err != nil || again.EventID != "" {
			t.Fatalf("second withdraw = %+v, %v; want no new event", again, err)
		}

		// A fresh confirmed consent counts again; then an objection
		// suppresses the number (RT-05) for every purpose.
		tb.now = tb.now.Add(time.Minute)
		in := confirmed("+4791234567")
		in.CollectedAt = tb.now
		if _, err := tb.app.RecordConsent(ctx, integrator, in); err != nil {
			t.Fatal(err)
		}
		if d, _ := tb.app.Gate(ctx, marketer, rec.ContactID, "offers"); !d.Allowed {
			t.Fatalf("gate after fresh consent = %+v", d)
		}
		tb.now = tb.now.Add(time.Minute)
		obj, err := tb.app.Withdraw(ctx, integrator, app.WithdrawInput{Subject: app.Subject{Phone: "91234567"}, Purpose: "all", Method: "keyword"})
		if err != nil || !obj.Suppressed || obj.EventID == "" {
			t.Fatalf("objection = %+v, %v", obj, err)
		}
		if d, _ := tb.app.Gate(ctx, marketer, rec.ContactID, "offers"); d.Allowed || d.Reason != consent.ReasonSuppressed {
			t.Fatalf("gate after objection = %+v; want suppressed", d)
		}

		h, err := tb.app.ConsentHistory(ctx, admin, rec.ContactID)
		if err != nil {
			t.Fatal(err)
		}
		kinds := []ledger.Kind{}
		for _, e := range h.Events {
			kinds = append(kinds, e.Kind)
			// L-03: a confirmation samtykke never saw is marked as the integrator's word.
			if e.Kind == ledger.Confirmed && (e.Evidence == nil || e.Evidence.Confirmation != ledger.ConfirmationAsserted) {
				t.Errorf("an API-recorded confirmation's evidence = %+v; want it marked asserted", e.Evidence)
			}
		}
		want := []ledger.Kind{ledger.Confirmed, ledger.Withdrawn, ledger.Confirmed, ledger.Objected}
		if len(kinds) != len(want) {
			t.Fatalf("history kinds = %v, want %v", kinds, want)
		}
		for i := range want {
			if kinds[i] != want[i] {
				t.Fatalf("history kinds = %v, want %v", kinds, want)
			}
		}
		// C-03, L-03: the evidence is there, with the notice shown.
		ev := h.Events[0].Evidence
		if ev == nil || ev.NoticeVersion != 1 || ev.NoticeHash == "" || ev.IP != "192.0.2.10" || ev.ConfirmationMessageID != "wamid.1" {
			t.Fatalf("evidence of the first event = %+v", ev)
		}
		rep, err := tb.app.VerifyLedger(ctx)
		if err != nil || rep.Events != 4 || rep.Evidence != 4 {
			t.Fatalf("verify = %+v, %v", rep, err)
		}
		// Invariant 6: every access above is in the access log.
		acc, err := tb.app.Accesses(ctx, admin, rec.ContactID)
		if err != nil || len(acc) < 7 {
			t.Fatalf("accesses = %d, %v; want every read and write recorded", len(acc), err)
		}
	})
}

func TestRecordConsentRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		before := tb.rows(t)
		cases := []struct {
			name  string
			edit  func(*app.ConsentInput)
			actor app.Actor
			want  error
		}{
			{"no subject", func(in *app.ConsentInput) { in.Phone = "" }, integrator, app.ErrInvalid},
			{"both subjects", func(in *app.ConsentInput) { in.ContactID = "x" }, integrator, app.ErrInvalid},
			{"landline", func(in *app.ConsentInput) { in.Phone = "22 12 34 56" }, integrator, app.ErrInvalid},
			{"unknown purpose", func(in *app.ConsentInput) { in.Purpose = "nope" }, integrator, app.ErrInvalid},
			{"unknown method", func(in *app.ConsentInput) { in.Method = "telepathy" }, integrator, app.ErrInvalid},
			{"no time", func(in *app.ConsentInput) { in.CollectedAt = time.Time{} }, integrator, app.ErrInvalid},
			{"future", func(in *app.ConsentInput) { in.CollectedAt = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) }, integrator, app.ErrInvalid},
			{"age not confirmed (C-13)", func(in *app.ConsentInput) { in.AgeConfirmed = false }, integrator, app.ErrRefused},
			{"no affirmative act (C-01)", func(in *app.ConsentInput) { in.Evidence.AffirmativeAct = "" }, integrator, app.ErrRefused},
			{"no wording hash (L-03)", func(in *app.ConsentInput) { in.Evidence.WordingHash = "" }, integrator, app.ErrRefused},
			{"unknown notice version", func(in *app.ConsentInput) { in.NoticeVersion = 7 }, integrator, app.ErrRefused},
			{"soft opt-in without proof (M-05)", func(in *app.ConsentInput) { in.Purpose = "customers" }, integrator, app.ErrRefused},
			{"marketer may not record", func(*app.ConsentInput) {}, marketer, app.ErrForbidden},
			{"bad language", func(in *app.ConsentInput) { in.Language = "sv" }, integrator, app.ErrInvalid},
		}
		for _, c := range cases {
			in := confirmed("+47 912 34 567")
			c.edit(&in)
			_, err := tb.app.RecordConsent(tb.ctx, c.actor, in)
			if !errors.Is(err, c.want) {
				t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
			}
		}
		if after := tb.rows(t); after != before {
			t.Errorf("refused calls changed %d rows (invariant 8)", after-before)
		}
	})
}

func TestPendingAndSoftOptIn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		// Without the double confirmation the consent stays pending.
		in := confirmed("+47 412 34 567")
		in.Evidence.ConfirmationChannel, in.Evidence.ConfirmationMessageID = "", ""
		rec, err := tb.app.RecordConsent(tb.ctx, integrator, in)
		if err != nil || rec.Kind != ledger.Requested {
			t.Fatalf("record = %+v, %v; want requested", rec, err)
		}
		if d, _ := tb.app.Gate(tb.ctx, marketer, rec.ContactID, "offers"); d.Allowed || d.Reason != consent.ReasonPending {
			t.Fatalf("gate = %+v; want pending", d)
		}
		// M-05: an existing-customer purpose takes a soft opt-in with its proof.
		soft := confirmed("+47 412 34 567")
		soft.Purpose, soft.Method = "customers", "in_store"
		soft.Evidence = ledger.Evidence{OrderRef: "ORD-1", ProductCategory: "sko", OptOutOfferedAt: "2026-11-29T11:00:00Z"}
		rec2, err := tb.app.RecordConsent(tb.ctx, integrator, soft)
		if err != nil || rec2.Kind != ledger.SoftOptIn {
			t.Fatalf("soft opt-in = %+v, %v", rec2, err)
		}
		if d, _ := tb.app.Gate(tb.ctx, marketer, rec2.ContactID, "customers"); !d.Allowed {
			t.Fatalf("gate for existing customer = %+v", d)
		}
	})
}

func TestWithdrawUnknownNumberSuppresses(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		tb := setup(t, b)
		tb.seed(t)
		// M-10: an opt-out given off-channel is honoured before the number is known.
		w, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{Phone: "+47 987 65 432"}, Purpose: "all", Method: "phone_call"})
		if err != nil || !w.Suppressed || w.ContactID != "" {
			t.Fatalf("withdraw unknown = %+v, %v", w, err)
		}
		// A consent recorded later, collected before the objection, does not count.
		in := confirmed("+47 987 65 432")
		tb.now = tb.now.Add(-2 * time.Hour) // the event is recorded before the suppression
		in.CollectedAt = tb.now.Add(-time.Minute)
		rec, err := tb.app.RecordConsent(tb.ctx, integrator, in)
		if err != nil {
			t.Fatal(err)
		}
		tb.now = tb.now.Add(2 * time.Hour)
		if d, _ := tb.app.Gate(tb.ctx, marketer, rec.ContactID, "offers"); d.Allowed || d.Reason != consent.ReasonSuppressed {
			t.Fatalf("gate = %+v; want suppressed", d)
		}
		// Withdrawing one purpose of an unknown number is a 404, not a silent success.
		_, err = tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{Phone: "+47 987 11 111"}, Purpose: "offers"})
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("withdraw purpose of unknown number: %v", err)
		}
	})
}

func TestPublishNoticeNamesMissingItems(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	n := completeNotice("nb")
	n.Sections = n.Sections[2:] // drop controller and dpo
	d, err := tb.app.CreateNotice(tb.ctx, admin, n)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tb.app.PublishNotice(tb.ctx, admin, d.ID)
	var missing *notice.MissingError
	if !errors.As(err, &missing) || !errors.Is(err, app.ErrRefused) || len(missing.Items) != 2 ||
		missing.Items[0] != notice.Controller || missing.Items[1] != notice.DPO {
		t.Fatalf("publish incomplete: %v", err)
	}
	if _, err := tb.store.CurrentNotice(tb.ctx, "nb"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused notice became current: %v", err)
	}
}

// TestFirstNameOnlyWhenDeclared: a contact holds nothing a purpose does not
// declare it needs (P-03), and what it holds is sealed.
func TestFirstNameOnlyWhenDeclared(t *testing.T) {
	t.Parallel()
	tb := setup(t, storetest.SQLite)
	tb.seed(t)
	before := tb.rows(t)
	_, _, err := tb.app.CreateContact(tb.ctx, integrator, app.NewContact{Phone: "+47 912 34 567", FirstName: "Kari"})
	if !errors.Is(err, app.ErrRefused) || tb.rows(t) != before {
		t.Fatalf("first_name with no purpose declaring it: %v, rows +%d", err, tb.rows(t)-before)
	}
	if _, err := tb.app.CreatePurpose(tb.ctx, admin, consent.Purpose{Key: "named_offers", Channel: consent.WhatsApp,
		Basis: consent.BasisConsent, RetentionDays: 30, Fields: []string{"first_name"},
		Description: consent.Text{NB: "Tilbud med navn", EN: "Offers by name"}}); err != nil {
		t.Fatal(err)
	}
	id, created, err := tb.app.CreateContact(tb.ctx, integrator, app.NewContact{Phone: "+47 912 34 567", FirstName: "Kari"})
	if err != nil || !created {
		t.Fatalf("create = %v, %v", created, err)
	}
	view, err := tb.app.Contact(tb.ctx, admin, id)
	if err != nil || view.FirstName != "Kari" {
		t.Fatalf("view = %+v, %v", view, err)
	}
	if n := tb.b.Int(t, tb.store, `SELECT count(*) FROM contacts WHERE instr(fields_ct, 'Kari') > 0`); n != 0 {
		t.Fatalf("the first name is stored in clear")
	}
}
