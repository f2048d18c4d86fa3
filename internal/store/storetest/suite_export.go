// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/store"
)

// exerciseExportContacts: the list export's pages follow the ids, leave out
// erased contacts, and carry each contact's states and sorted tags (issue 21).
func exerciseExportContacts(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	if got, err := s.ExportContacts(ctx, "", 10); err != nil || len(got) != 0 {
		t.Fatalf("ExportContacts on an empty list = %d, %v", len(got), err)
	}
	want := map[string][]consent.State{}
	for i, id := range []string{"c4", "c1", "c5", "c2", "c3", "c6"} {
		tx(t, s, func(tx store.Tx) error {
			if err := tx.CreateContact(ctx, newContact(id, byte(i+1))); err != nil {
				return err
			}
			for j, p := range []string{"offers", "mail"}[:1+i%2] {
				st := consent.State{ContactID: id, Purpose: p, Status: consent.StatusActive, EventID: fmt.Sprintf("%s-%d", id, j),
					Since: t0.Add(time.Duration(i) * time.Hour), ValidUntil: t0.Add(48 * time.Hour), AgeOK: true, Basis: consent.BasisConsent}
				if err := tx.PutConsentState(ctx, st); err != nil {
					return err
				}
				want[id] = append([]consent.State{st}, want[id]...) // "mail" sorts first
			}
			return tx.SetContactTags(ctx, id, []string{"vip", "a-b", "ab"}[:i%3+1])
		})
	}
	tx(t, s, func(tx store.Tx) error { return tx.EraseContact(ctx, "c3", t0) })
	var ids []string
	after := ""
	for pages := 0; ; pages++ {
		page, err := s.ExportContacts(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			if pages != 3 {
				t.Errorf("%d pages of 2 for 5 contacts; want 3", pages)
			}
			break
		}
		for _, r := range page {
			ids = append(ids, r.Contact.ID)
			if diff := gocmp.Diff(want[r.Contact.ID], r.States); diff != "" {
				t.Errorf("%s: states (-want +got):\n%s", r.Contact.ID, diff)
			}
			if len(r.Contact.PhoneCT) == 0 || len(r.Contact.KeyWrapped) == 0 || !r.Contact.CreatedAt.Equal(t0) {
				t.Errorf("%s: the contact's sealed number, key or creation time is missing", r.Contact.ID)
			}
		}
		after = page[len(page)-1].Contact.ID
	}
	if got := fmt.Sprint(ids); got != "[c1 c2 c4 c5 c6]" {
		t.Errorf("exported %s; want [c1 c2 c4 c5 c6] (c3 is erased)", got)
	}
	page, err := s.ExportContacts(ctx, "c4", 1)
	if err != nil || len(page) != 1 {
		t.Fatalf("ExportContacts after c4 = %d rows, %v", len(page), err)
	}
	// c5 was created fourth of six... its index is 2: tags [vip a-b ab][:3].
	if got := fmt.Sprint(page[0].Tags); page[0].Contact.ID != "c5" || got != "[a-b ab vip]" {
		t.Errorf("after c4: %s with tags %s; want c5 with [a-b ab vip]", page[0].Contact.ID, got)
	}
}

// exerciseSuppressionPages: the suppression list pages bytewise by token.
func exerciseSuppressionPages(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	toks := [][]byte{{0x00, 0x01}, {0x00, 0xff}, {0x7f}, {0x80, 0x00}, {0xff}}
	for i, tok := range []int{3, 0, 4, 2, 1} {
		tx(t, s, func(tx store.Tx) error {
			return tx.Suppress(ctx, toks[tok], fmt.Sprintf("reason-%d", tok), t0.Add(time.Duration(i)*time.Minute))
		})
	}
	var got []store.Suppression
	var after []byte
	for {
		page, err := s.Suppressions(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		after = page[len(page)-1].Token
	}
	if len(got) != len(toks) {
		t.Fatalf("%d suppressions; want %d", len(got), len(toks))
	}
	for i, sup := range got {
		if string(sup.Token) != string(toks[i]) || sup.Reason != fmt.Sprintf("reason-%d", i) || sup.At.IsZero() {
			t.Errorf("suppression %d = %x %q %v; want %x reason-%d", i, sup.Token, sup.Reason, sup.At, toks[i], i)
		}
	}
}

// exerciseExportLog: an export is recorded as started and finished once,
// with its row count (issue 21, invariant 6).
func exerciseExportLog(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	for i, id := range []string{"x1", "x2"} {
		e := access.Entry{ID: id, At: t0.Add(time.Duration(i) * time.Minute), Actor: "cli:dpo", Action: access.Export,
			Reason: "flytting", Scope: access.ScopeNumbers, Outcome: access.Started}
		tx(t, s, func(tx store.Tx) error { return tx.RecordAccess(ctx, e) })
	}
	tx(t, s, func(tx store.Tx) error {
		return tx.RecordAccess(ctx, access.Entry{ID: "r1", At: t0, Actor: "cli:dpo", Action: access.Read, ContactID: "c1"})
	})
	end := func(id, refers string, rows int64, o access.Outcome) access.Entry {
		return access.Entry{ID: id, At: t0.Add(time.Hour), Actor: "cli:dpo", Action: access.ExportEnd, Rows: &rows, Outcome: o, Refers: refers}
	}
	tx(t, s, func(tx store.Tx) error { return tx.FinishExport(ctx, end("e1", "x1", 1234, access.Interrupted)) })
	for _, id := range []string{"x1", "r1", "nope"} { // finished already; not an export; unknown
		err := s.Tx(ctx, func(tx store.Tx) error { return tx.FinishExport(ctx, end("e-"+id, id, 1, access.Complete)) })
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FinishExport(%s) = %v; want ErrNotFound", id, err)
		}
	}
	es, err := s.ExportLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	rows := int64(1234)
	want := []access.Entry{
		{ID: "x2", At: t0.Add(time.Minute), Actor: "cli:dpo", Action: access.Export, Reason: "flytting", Scope: access.ScopeNumbers,
			Outcome: access.Started},
		{ID: "x1", At: t0, Actor: "cli:dpo", Action: access.Export, Reason: "flytting", Scope: access.ScopeNumbers,
			Rows: &rows, Outcome: access.Interrupted},
	}
	if diff := gocmp.Diff(want, es); diff != "" {
		t.Errorf("ExportLog (-want +got):\n%s", diff)
	}
	if es, err := s.ExportLog(ctx, 1); err != nil || len(es) != 1 || es[0].ID != "x2" {
		t.Errorf("ExportLog(1) = %+v, %v; want x2 alone", es, err)
	}
	// The export's own entry is unchanged (invariant 6): its end is an entry
	// of its own, in the chain after it.
	if n := b.Int(t, s, `SELECT count(*) FROM access_log WHERE id = 'x1' AND outcome = 'started' AND row_count IS NULL`); n != 1 {
		t.Errorf("the export's entry was changed by its end")
	}
	if n := b.Int(t, s, `SELECT count(*) FROM access_log e JOIN access_log x ON x.id = e.refers
		WHERE e.action = 'export_end' AND e.seq > x.seq`); n != 1 {
		t.Errorf("%d export ends after their export in the chain; want 1", n)
	}
}
