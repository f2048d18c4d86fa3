// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/backup"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// TestErasureJournal (S-03): every erasure writes its line to the erasure
// journal before it commits, with the contact's id, the time, the method
// and, when kept, the suppression token, never the number; an erasure whose
// line cannot be written is not made. ReapplyErasures erases again what the
// data still holds, puts a kept token back on the suppression list, and
// changes nothing more when run twice.
func TestErasureJournal(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		dir := t.TempDir()
		path := filepath.Join(dir, "journal", "erasures.jsonl")
		tb := setupWith(t, b, app.Config{Journal: backup.NewJournal(path)})
		tb.seed(t)
		kept := tb.consented(t, "+47 912 34 567")
		objector := tb.consented(t, "+47 412 34 568")
		if _, err := tb.app.Withdraw(tb.ctx, dpo, app.WithdrawInput{Subject: app.Subject{ContactID: objector.ContactID}, Purpose: "all"}); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.app.Erase(tb.ctx, dpo, objector.ContactID, "slettebegjæring 2"); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), "41234568") {
			t.Error("the journal holds the number")
		}
		es, err := backup.ReadJournal(strings.NewReader(string(raw)))
		token := tb.vault.SuppressionToken("+4741234568")
		if err != nil || len(es) != 1 || es[0].ContactID != objector.ContactID || es[0].Method != "request" || !es[0].At.Equal(tb.now) {
			t.Fatalf("journal: %+v, %v", es, err)
		}
		if got, _ := es[0].Token(); string(got) != string(token) {
			t.Errorf("the journal's token is not the number's suppression token")
		}

		// A journal that cannot be written refuses the erasure.
		blocked := backup.NewJournal(filepath.Join(dir, "file", "erasures.jsonl"))
		if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		strict := app.New(tb.store, tb.vault, app.Config{Journal: blocked}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if _, err := strict.Erase(tb.ctx, dpo, kept.ContactID, "slettebegjæring 3"); err == nil || !strings.Contains(err.Error(), "erasure journal") {
			t.Errorf("erasure with an unwritable journal: %v; want refused", err)
		}
		if c, err := tb.store.Contact(tb.ctx, kept.ContactID); err != nil || c.Erased() {
			t.Errorf("an erasure refused for its journal erased the contact (%v)", err)
		}

		// Re-applying: the kept contact as if erased after a backup, the
		// objector erased already, a contact unknown here with a token.
		other := tb.vault.SuppressionToken("+4793456789")
		journal := []backup.Erased{{ContactID: kept.ContactID, At: tb.now, Method: "request"}, es[0],
			{ContactID: "made-after-the-backup", At: tb.now, Method: "retention", Suppression: hex.EncodeToString(other)}}
		did, err := tb.app.ReapplyErasures(tb.ctx, journal)
		if err != nil || did != (app.Reapplied{Erased: 1, AlreadyErased: 1, Unknown: 1, Suppressed: 1}) {
			t.Fatalf("reapply: %+v, %v", did, err)
		}
		if c, err := tb.store.Contact(tb.ctx, kept.ContactID); err != nil || !c.Erased() {
			t.Errorf("the contact is not erased again (%v)", err)
		}
		if at, err := tb.store.SuppressedAt(tb.ctx, other); err != nil || at.IsZero() {
			t.Errorf("the journal's token is not on the suppression list (%v)", err)
		}
		if _, err := tb.app.Lookup(tb.ctx, dpo, "+47 912 34 567", "kontroll etter gjenoppretting"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("lookup after re-applying: %v; want not found", err)
		}
		before := tb.rows(t)
		if did, err := tb.app.ReapplyErasures(tb.ctx, journal); err != nil || did != (app.Reapplied{AlreadyErased: 2, Unknown: 1}) {
			t.Errorf("reapply twice: %+v, %v", did, err)
		}
		if after := tb.rows(t); after != before {
			t.Errorf("re-applying twice changed %d rows", after-before)
		}
		if _, err := tb.app.VerifyLedger(tb.ctx); err != nil {
			t.Errorf("ledger after re-applying: %v", err)
		}
	})
}
