// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/store"
)

func exerciseNotices(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	n := notice.Notice{ID: "n1", Language: "nb", Summary: "Kort", CreatedAt: t0,
		Sections: []notice.Section{{Item: notice.Controller, Title: "Hvem", Body: "Butikk AS"}}}
	tx(t, s, func(tx store.Tx) error { return tx.CreateNotice(ctx, n) })
	if _, err := s.CurrentNotice(ctx, "nb"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("draft counted as current: %v", err)
	}
	tx(t, s, func(tx store.Tx) error {
		v, err := tx.NextNoticeVersion(ctx, "nb")
		if err != nil || v != 1 {
			return fmt.Errorf("NextNoticeVersion = %d, %v; want 1", v, err)
		}
		return tx.PublishNotice(ctx, "n1", v, "hash1", t0)
	})
	err := s.Tx(ctx, func(tx store.Tx) error { return tx.PublishNotice(ctx, "n1", 2, "hash2", t0) })
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second publish: err = %v, want ErrConflict", err)
	}
	if err := b.Exec(t, s, `UPDATE notices SET summary = 'changed' WHERE id = 'n1'`); err == nil {
		t.Fatal("raw UPDATE of a published notice succeeded; want the database to refuse it")
	}
	cur, err := s.CurrentNotice(ctx, "nb")
	if err != nil || cur.Version != 1 || cur.Hash != "hash1" || cur.Summary != "Kort" || cur.PublishedAt == nil {
		t.Fatalf("CurrentNotice = %+v, %v", cur, err)
	}
	if len(cur.Sections) != 1 || cur.Sections[0].Body != "Butikk AS" {
		t.Errorf("sections round trip: %+v", cur.Sections)
	}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.PublishNotice(ctx, "zz", 1, "h", t0) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("publish missing notice: %v, want ErrNotFound", err)
	}
}
