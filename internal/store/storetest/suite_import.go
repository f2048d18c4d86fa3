// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/importer"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
)

// exerciseImport: an import's record, its stored file, its report and a
// batch written in bulk (more rows than one statement takes); a batch whose
// chain moved meanwhile fails whole (C-03, invariant 8).
func exerciseImport(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	imp := importer.Import{ID: "i1", Purpose: "offers", Mode: importer.Refuse, State: importer.Queued, Actor: "cli:test", Source: "cli",
		CreatedAt: t0, Line: 1, Counts: map[importer.Outcome]int64{}, FileDigest: []byte("file")}
	tx(t, s, func(tx store.Tx) error { return tx.CreateImport(ctx, imp) })
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.CreateImport(ctx, imp) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreateImport twice = %v, want ErrConflict", err)
	}
	if got, err := s.UnfinishedImport(ctx, []byte("file"), "offers"); err != nil || got.ID != "i1" {
		t.Fatalf("UnfinishedImport = %v, %v", got.ID, err)
	}
	tx(t, s, func(tx store.Tx) error { return tx.AddImportChunk(ctx, "i1", 0, []byte("sealed")) })
	if c, err := s.ImportChunk(ctx, "i1", 0); err != nil || string(c) != "sealed" {
		t.Fatalf("ImportChunk 0 = %q, %v", c, err)
	}
	if _, err := s.ImportChunk(ctx, "i1", 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ImportChunk 1 = %v, want ErrNotFound", err)
	}

	// A batch of 300 new contacts, each with its first event, state, tag and
	// digest with its report (line and reason), and a row refused between
	// them in the report of the rows not imported.
	const n = 300
	w := store.ImportWrite{ImportID: "i1"}
	var indexes [][]byte
	for i := range n {
		id := fmt.Sprintf("ic%04d", i)
		e := ledger.Next(ledger.Head{}, ledger.Event{ID: "ie" + id, ContactID: id, Kind: ledger.Confirmed, Purpose: "offers", Channel: "whatsapp",
			At: t0, Method: "import", Source: "import", Actor: "cli:test", AgeConfirmed: true}, ledger.Evidence{WordingHash: "h"})
		ix := []byte("index-" + id)
		indexes = append(indexes, ix)
		w.Contacts = append(w.Contacts, contact.Contact{ID: id, PhoneCT: []byte("ct"), KeyWrapped: []byte("k"), BlindIndex: ix, Region: "NO",
			Mobile: true, Language: "nb", CreatedAt: t0, Head: ledger.Head{Seq: e.Seq, Hash: e.Hash}})
		w.Events = append(w.Events, store.StoredEvent{Event: e, SealedEvidence: []byte("ev")})
		w.States = append(w.States, consent.Apply(consent.None(id, "offers"), e))
		w.Tags = append(w.Tags, store.ContactTag{ContactID: id, Tag: "vip"})
		line := i + 2
		if i >= 150 {
			line++ // row 152 is refused
		}
		w.Digests = append(w.Digests, store.ImportDigest{Digest: []byte("digest-" + id), ContactID: id, Line: line, Reason: string(ledger.Confirmed)})
	}
	w.Rows = []importer.ReportRow{{Line: 152, Outcome: importer.RefusedBadNumber, Reason: "not a number"}}
	imp.State, imp.Line, imp.Rows, imp.Counts = importer.Running, n+2, n+1, map[importer.Outcome]int64{importer.Imported: n, importer.RefusedBadNumber: 1}
	tx(t, s, func(tx store.Tx) error {
		if err := tx.WriteImport(ctx, w); err != nil {
			return err
		}
		return tx.UpdateImport(ctx, imp)
	})
	got, err := s.Import(ctx, "i1")
	if err != nil || got.State != importer.Running || got.Line != n+2 || got.Counts[importer.Imported] != n {
		t.Fatalf("Import = %+v, %v", got, err)
	}
	// Every row in line order, imported or not, a page at a time (issue 21
	// point 4: an imported row's report is its digest's).
	rep, err := s.ImportReport(ctx, "i1", 100, 100)
	if err != nil || len(rep) != 100 || rep[0].Line != 101 || rep[99].Line != 200 {
		t.Fatalf("ImportReport after 100 = %d rows, %v", len(rep), err)
	}
	for i, r := range rep {
		want := importer.ReportRow{Line: 101 + i, Outcome: importer.Imported, Reason: string(ledger.Confirmed), ContactID: fmt.Sprintf("ic%04d", 99+i)}
		if r.Line > 152 {
			want.ContactID = fmt.Sprintf("ic%04d", 98+i)
		} else if r.Line == 152 {
			want = importer.ReportRow{Line: 152, Outcome: importer.RefusedBadNumber, Reason: "not a number"}
		}
		if r != want {
			t.Fatalf("report row %d = %+v, want %+v", r.Line, r, want)
		}
	}
	if rep, err := s.ImportReport(ctx, "i1", 0, 1000); err != nil || len(rep) != n+1 || rep[0].Line != 2 || rep[n].Line != n+2 {
		t.Fatalf("whole ImportReport = %d rows, %v", len(rep), err)
	}
	if d, err := s.ImportedDigests(ctx, [][]byte{[]byte("digest-ic0007"), []byte("nope")}); err != nil || len(d) != 1 || d["digest-ic0007"] != "ic0007" {
		t.Fatalf("ImportedDigests = %v, %v", d, err)
	}
	if c, err := s.ContactByIndex(ctx, indexes[5]); err != nil || c.Head.Seq != 1 {
		t.Fatalf("contact ic0005: head %d, %v", c.Head.Seq, err)
	}
	if tags, err := s.ContactTags(ctx, "ic0005"); err != nil || len(tags) != 1 {
		t.Fatalf("ContactTags = %v, %v", tags, err)
	}

	// Locked by index; a second event extends a chain from its head.
	var locked map[string]contact.Contact
	var states map[string]consent.State
	tx(t, s, func(tx store.Tx) error {
		var err error
		if locked, err = tx.LockContactsByIndex(ctx, append(indexes[:3:3], []byte("nobody"))); err != nil {
			return err
		}
		states, err = tx.PurposeStates(ctx, []string{"ic0000", "ic0001", "nobody"}, "offers")
		return err
	})
	if len(locked) != 3 || len(states) != 2 || states["ic0001"].Status != consent.StatusActive {
		t.Fatalf("LockContactsByIndex: %d contacts; PurposeStates: %v", len(locked), states)
	}
	c := locked[string(indexes[0])]
	e := ledger.Next(c.Head, ledger.Event{ID: "ie2", ContactID: c.ID, Kind: ledger.Withdrawn, Purpose: "offers", At: t0, Method: "api", Actor: "t"}, ledger.Evidence{})
	moved := store.ImportWrite{ImportID: "i1", Events: []store.StoredEvent{{Event: e}}, Moved: map[string]int64{c.ID: c.Head.Seq + 1}}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.WriteImport(ctx, moved) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("WriteImport on a chain that moved = %v, want ErrConflict", err)
	}
	moved.Moved[c.ID] = c.Head.Seq
	moved.Digests = []store.ImportDigest{{Digest: []byte("digest-moved"), ContactID: c.ID, Line: n + 3, Reason: string(ledger.Withdrawn)}}
	tx(t, s, func(tx store.Tx) error { return tx.WriteImport(ctx, moved) })
	if c, err := s.Contact(ctx, c.ID); err != nil || c.Head.Seq != 2 {
		t.Fatalf("contact %s: head %d after the second event, %v", c.ID, c.Head.Seq, err)
	}
	if rep, err := s.ImportReport(ctx, "i1", n+2, 10); err != nil || len(rep) != 1 || rep[0].ContactID != c.ID || rep[0].Outcome != importer.Imported {
		t.Fatalf("ImportReport of the second event's row = %+v, %v", rep, err)
	}
	imp.State = importer.Done
	tx(t, s, func(tx store.Tx) error {
		if err := tx.DeleteImportChunks(ctx, "i1"); err != nil {
			return err
		}
		return tx.UpdateImport(ctx, imp)
	})
	if _, err := s.ImportChunk(ctx, "i1", 0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("chunk after DeleteImportChunks: %v", err)
	}
	if _, err := s.UnfinishedImport(ctx, []byte("file"), "offers"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UnfinishedImport of a done import = %v", err)
	}
}
