// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/audit"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/vault"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// keyed is a bundle whose vault holds master key 1, recorded as the
// database's (as unlock records it), beside the master key a rotation is
// to make active.
type keyed struct {
	*bundle
	first, next []byte
}

func setupKeyed(t *testing.T, b storetest.Backend, cfg app.Config) *keyed {
	t.Helper()
	k := &keyed{first: make([]byte, vault.KeySize), next: make([]byte, vault.KeySize)}
	_, _ = rand.Read(k.first)
	_, _ = rand.Read(k.next)
	v, err := vault.New(k.first)
	if err != nil {
		t.Fatal(err)
	}
	s := b.Open(t)
	cfg.PublicURL, cfg.Controller = "https://butikk.example", ctl
	a := app.New(s, v, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	k.bundle = &bundle{ctx: t.Context(), app: a, store: s, b: b, vault: v, now: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
	a.NowFunc = func() time.Time { return k.now }
	if err := s.Tx(k.ctx, func(tx store.Tx) error { return tx.RecordKeyFingerprint(k.ctx, v.Fingerprint(), k.now) }); err != nil {
		t.Fatal(err)
	}
	return k
}

// reopen is the app another process starts on the same database with only
// these master keys: a restart, or a replica.
func (k *keyed) reopen(t *testing.T, cfg app.Config, masters ...[]byte) (*app.App, error) {
	a, _, err := k.reopenVault(t, cfg, masters...)
	return a, err
}

func (k *keyed) reopenVault(t *testing.T, cfg app.Config, masters ...[]byte) (*app.App, *vault.Vault, error) {
	t.Helper()
	v, err := vault.NewRing(masters)
	if err != nil {
		t.Fatal(err)
	}
	cfg.PublicURL, cfg.Controller = "https://butikk.example", ctl
	a := app.New(k.store, v, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	a.NowFunc = func() time.Time { return k.now }
	return a, v, a.RefreshKeys(k.ctx, nil)
}

// stopp is the STOPP webhook from a number (digits, no +).
func stopp(t testing.TB, k *keyed, digits, wamid string) []byte {
	return webhookBody(t, whatsapp.WebhookValue{Messages: []whatsapp.InboundMessage{{From: digits, ID: wamid,
		Timestamp: k.ts(), Type: "text", Text: &whatsapp.InboundText{Body: "STOPP"}}}})
}

func number(i int) (e164, digits string) {
	return fmt.Sprintf("+4790%06d", i), fmt.Sprintf("4790%06d", i)
}

// TestRotateKeysUnderLoad rotates the master key while opt-ins (new numbers
// and numbers already contacts), look-ups and STOPPs run concurrently
// against the app (S-01, issue 22 point 4, invariant 10). Afterwards every
// contact opens under the new key alone, a look-up by number finds the
// same contact as before, no number has two contacts, every number that
// sent STOPP is suppressed and gated, the old key's receipt and checkpoint
// verify, and the old key is retired.
func TestRotateKeysUnderLoad(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		cfg := app.Config{RekeyBatch: 9, KeyGrace: time.Minute}
		k := setupKeyed(t, b, cfg)
		k.seed(t)
		const before, during = 60, 30
		ids := map[string]string{} // number → contact id, as before the rotation
		for i := range before {
			e164, _ := number(i)
			ids[e164] = k.consented(t, e164).ContactID
		}
		// The old key signs a receipt and a checkpoint.
		receiptOwner := k.doubleOptIn(t)
		ids["+4791234567"] = receiptOwner
		var confirmedEvent string
		events, _ := k.store.Events(k.ctx, receiptOwner)
		for _, e := range events {
			if e.Kind == ledger.Confirmed {
				confirmedEvent = e.ID
			}
		}
		oldReceipt, err := k.app.Receipt(k.ctx, confirmedEvent)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.app.Checkpoint(k.ctx); err != nil {
			t.Fatal(err)
		}
		// Numbers 0..9 objected before the rotation.
		for i := range 10 {
			_, digits := number(i)
			if err := k.app.ReceiveWebhook(k.ctx, stopp(t, k, digits, "wamid.before."+digits)); err != nil {
				t.Fatal(err)
			}
		}

		// The new key is given beside the old one; the rotation starts.
		if err := k.app.RefreshKeys(k.ctx, [][]byte{k.first, k.next}); err != nil {
			t.Fatal(err)
		}
		st, err := k.app.RotateKeys(k.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Rotation == nil || st.Rotation.To != 2 || st.Rotation.Moved != 0 || st.Rotation.Total != before+1 {
			t.Fatalf("status as the rotation starts: %+v", st.Rotation)
		}
		if _, err := k.app.RotateKeys(k.ctx); !errors.Is(err, app.ErrKeyRotation) {
			t.Fatalf("a second rotation while one runs: %v; want ErrKeyRotation", err)
		}

		// Load: opt-ins of new numbers and of numbers that are contacts
		// (dedup), look-ups, and STOPPs from numbers 10..19, while the
		// rotation moves the contacts in batches.
		var wg sync.WaitGroup
		var mu sync.Mutex
		found := map[string]string{}
		for w := range 3 {
			wg.Go(func() {
				for i := w; i < during; i += 3 {
					e164, _ := number(1000 + i)
					if _, err := k.app.RecordConsent(k.ctx, integrator, confirmed(e164)); err != nil {
						t.Errorf("opt-in of a new number during the rotation: %v", err)
					}
					old, _ := number(20 + i)
					if _, err := k.app.RecordConsent(k.ctx, integrator, confirmed(old)); err != nil {
						t.Errorf("opt-in of a contact's number during the rotation: %v", err)
					}
					id, err := k.app.Lookup(k.ctx, integrator, old, "test of key rotation")
					if err != nil {
						t.Errorf("look-up during the rotation: %v", err)
					}
					mu.Lock()
					found[old] = id
					mu.Unlock()
				}
			})
		}
		wg.Go(func() {
			for i := 10; i < 20; i++ {
				_, digits := number(i)
				if err := k.app.ReceiveWebhook(k.ctx, stopp(t, k, digits, "wamid.during."+digits)); err != nil {
					t.Errorf("STOPP during the rotation: %v", err)
				}
			}
		})
		rotated := make(chan error, 1)
		go func() {
			for range 200 {
				if _, _, err := k.app.RotateStep(k.ctx, time.Millisecond); err != nil {
					rotated <- err
					return
				}
			}
			rotated <- nil
		}()
		wg.Wait()
		if err := <-rotated; err != nil {
			t.Fatal(err)
		}
		for e164, id := range found {
			if ids[e164] != id {
				t.Errorf("a look-up during the rotation found contact %s, want %s", id, ids[e164])
			}
		}

		// Nothing is left under the old key, but it stays retiring until
		// the replicas have had time to learn of the new one.
		more, wait, err := k.app.RotateStep(k.ctx, time.Second)
		if err != nil || !more || wait <= 0 {
			t.Fatalf("RotateStep within the grace = %v, %v, %v; want more after a wait", more, wait, err)
		}
		k.now = k.now.Add(2 * time.Minute)
		if more, _, err := k.app.RotateStep(k.ctx, time.Second); err != nil || more {
			t.Fatalf("RotateStep after the grace = %v, %v; want done", more, err)
		}
		st, err = k.app.KeyStatus(k.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Rotation != nil || len(st.Keys) != 2 || st.Keys[0].Role != vault.RoleRetired || !st.Keys[0].Removable ||
			st.Keys[1].Role != vault.RoleActive || st.Keys[1].Fingerprint != vault.Short(mustDerive(t, k.next).Fingerprint()) {
			t.Fatalf("status after the rotation: %+v", st)
		}

		// Another process with the new key alone: everything opens.
		a2, v2, err := k.reopenVault(t, cfg, k.next)
		if err != nil {
			t.Fatal(err)
		}
		total := k.b.Int(t, k.store, `SELECT count(*) FROM contacts`)
		if want := int64(before + 1 + during); total != want {
			t.Fatalf("%d contacts after the rotation, want %d: a number got two", total, want)
		}
		if moved := k.b.Int(t, k.store, `SELECT count(*) FROM contacts WHERE key_id = 2`); moved != total {
			t.Fatalf("%d of %d contacts moved to key 2", moved, total)
		}
		all := map[string]string{}
		for e, id := range ids {
			all[e] = id
		}
		for i := range during {
			e164, _ := number(1000 + i)
			all[e164] = ""
		}
		for e164, want := range all {
			id, err := a2.Lookup(k.ctx, integrator, e164, "test of key rotation")
			if err != nil || (want != "" && id != want) {
				t.Fatalf("look-up under the new key alone = %s, %v; want %s", id, err, want)
			}
			if _, err := a2.Contact(k.ctx, admin, id); err != nil {
				t.Fatalf("contact %s does not open under the new key alone: %v", id, err)
			}
		}
		for i := range 20 {
			e164, _ := number(i)
			if d, err := a2.Gate(k.ctx, integrator, ids[e164], "offers"); err != nil || d.Allowed {
				t.Fatalf("the gate for a number that sent STOPP = %+v, %v; want refused", d, err)
			}
			if at, err := k.store.SuppressedAt(k.ctx, v2.SuppressionToken(e164)); err != nil || at.IsZero() {
				t.Fatalf("a number that sent STOPP is not on the suppression list under the new key: %v, %v (RT-05)", at, err)
			}
		}
		if rep, err := a2.VerifyLedger(k.ctx); err != nil || rep.Checkpoint.IsZero() {
			t.Fatalf("the ledger and the old key's checkpoint under the new key: %+v, %v", rep, err)
		}
		if _, err := a2.VerifyReceipt(k.ctx, oldReceipt.JSON); err != nil {
			t.Fatalf("the old key's receipt under the new key: %v", err)
		}
		if keys := a2.ReceiptKeys(); len(keys) != 2 || !keys[0].Equal(a2.ReceiptKey()) || !keys[1].Equal(k.app.ReceiptKeys()[1]) ||
			keys[0].Equal(keys[1]) {
			t.Fatalf("the published receipt keys after the rotation: %d; want the new key's, then the old one's", len(keys))
		}
		if _, err := a2.Checkpoint(k.ctx); err != nil {
			t.Fatal(err)
		}
		if rep, err := a2.VerifyLedger(k.ctx); err != nil || rep.Checkpoint.IsZero() {
			t.Fatalf("the new key's checkpoint: %+v, %v", rep, err)
		}

		// A wrong key, or the old key alone, is refused with a clear error.
		wrong := make([]byte, vault.KeySize)
		_, _ = rand.Read(wrong)
		if _, err := k.reopen(t, cfg, wrong); !errors.Is(err, vault.ErrActiveMissing) {
			t.Fatalf("a wrong key: %v; want ErrActiveMissing", err)
		}
		if _, err := k.reopen(t, cfg, k.first); !errors.Is(err, vault.ErrActiveMissing) {
			t.Fatalf("the retired key alone: %v; want ErrActiveMissing", err)
		}
	})
}

// TestRotationResumes: a rotation stopped after one batch (its process
// killed) is taken up by another process from where it stopped, and one
// that does not hold the new key makes no new contact under the old one
// (S-01, issue 22 point 4).
func TestRotationResumes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		cfg := app.Config{RekeyBatch: 7, KeyGrace: time.Minute}
		k := setupKeyed(t, b, cfg)
		k.seed(t)
		for i := range 30 {
			e164, _ := number(i)
			k.consented(t, e164)
		}
		if err := k.app.RefreshKeys(k.ctx, [][]byte{k.first, k.next}); err != nil {
			t.Fatal(err)
		}
		if _, err := k.app.RotateKeys(k.ctx); err != nil {
			t.Fatal(err)
		}
		if more, _, err := k.app.RotateStep(k.ctx, 0); err != nil || !more {
			t.Fatalf("one batch: %v, %v", more, err)
		}
		st, err := k.app.KeyStatus(k.ctx)
		if err != nil || st.Rotation == nil || st.Rotation.Moved != 7 || st.Rotation.Total != 30 {
			t.Fatalf("after one batch: %+v, %v; want 7 of 30 moved", st.Rotation, err)
		}

		// The audit reads the key status: a running rotation passes, one
		// still running a day and more later is stuck (S-01, S-04).
		rep, err := k.app.RunAudit(k.ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		if f := finding(t, rep, audit.CheckKeys); f.Status != audit.Pass || !strings.Contains(f.Detail, "7 of 30 contacts moved") {
			t.Fatalf("the key check during a rotation: %s: %s", f.Status, f.Detail)
		}
		k.now = k.now.Add(25 * time.Hour)
		if rep, err = k.app.RunAudit(k.ctx, admin); err != nil {
			t.Fatal(err)
		}
		if f := finding(t, rep, audit.CheckKeys); f.Status != audit.Warn || !strings.Contains(f.Detail, "is stuck") {
			t.Fatalf("the key check of a stuck rotation: %s: %s", f.Status, f.Detail)
		}

		// A replica still given the old key alone learns of the rotation
		// and refuses to make a contact under the old key.
		stale, err := k.reopen(t, cfg, k.first)
		if !errors.Is(err, vault.ErrActiveMissing) {
			t.Fatalf("a replica without the new key: %v; want ErrActiveMissing", err)
		}
		e164, _ := number(500)
		if _, err := stale.RecordConsent(k.ctx, integrator, confirmed(e164)); err == nil {
			t.Fatal("a replica without the active key made a contact")
		}

		// The restart: another process with both keys takes the job up.
		a2, err := k.reopen(t, cfg, k.first, k.next)
		if err != nil {
			t.Fatal(err)
		}
		k.now = k.now.Add(2 * time.Minute)
		for more := true; more; {
			if more, _, err = a2.RotateStep(k.ctx, time.Second); err != nil {
				t.Fatal(err)
			}
		}
		if moved := k.b.Int(t, k.store, `SELECT count(*) FROM contacts WHERE key_id = 2`); moved != 30 {
			t.Fatalf("%d of 30 contacts moved after the resumed rotation", moved)
		}
		if got := k.b.Int(t, k.store, `SELECT count(*) FROM vault_keys WHERE role = 'retired' AND id = 1`); got != 1 {
			t.Fatal("key 1 not retired after the resumed rotation")
		}
	})
}

func mustDerive(t *testing.T, master []byte) *vault.Key {
	t.Helper()
	key, err := vault.Derive(master)
	if err != nil {
		t.Fatal(err)
	}
	return key
}
