// SPDX-License-Identifier: AGPL-3.0-only

package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/postgres"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

type part struct {
	name string
	data []byte
}

// TestSnapshotRestore (S-03): a snapshot sees the database as it was when
// it began, not a row written after; a restore into an empty schema gives
// back every table's rows and the sequences; a non-empty schema is refused,
// and a restore whose parts fail midway leaves the schema as empty as it
// found it.
func TestSnapshotRestore(t *testing.T) {
	t.Parallel()
	b := storetest.Postgres
	ctx := context.Background()
	src := b.Open(t).(*postgres.Store)
	if err := src.Tx(ctx, func(tx store.Tx) error {
		return tx.CreatePurpose(ctx, consent.Purpose{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent,
			RetentionDays: 30, Description: consent.Text{NB: "Tilbud", EN: "Offers"}})
	}); err != nil {
		t.Fatal(err)
	}
	storetest.SeedContacts(t, b, src, 2500, "offers", []byte("wrapped"), func(id, _ string) []byte { return []byte("sealed " + id) }, time.Now())
	for range 3 {
		b.Int(t, src, `SELECT nextval('river_job_id_seq')`)
	}

	sn, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Exec(t, src, `INSERT INTO contacts (id, region, mobile, language, restricted, created_at, erased_at, head_seq)
		VALUES ('late', 'NO', true, 'nb', false, 0, 0, 0)`); err != nil {
		t.Fatal(err)
	}
	var parts []part
	var cur *bytes.Buffer
	err = sn.WriteParts(ctx, func(name string) (io.WriteCloser, error) {
		cur = &bytes.Buffer{}
		parts = append(parts, part{name: name})
		i := len(parts) - 1
		return closer{Buffer: cur, close: func() { parts[i].data = cur.Bytes() }}, nil
	})
	if cerr := sn.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	info := sn.Info()
	if info.SchemaVersion < 23 || info.QueueVersion < 1 {
		t.Errorf("snapshot versions %+v", info)
	}
	next := func(parts []part, failAt int) func() (string, io.Reader, error) {
		i := 0
		return func() (string, io.Reader, error) {
			if i == failAt {
				return "", nil, errors.New("the archive is damaged here")
			}
			if i == len(parts) {
				return "", nil, io.EOF
			}
			p := parts[i]
			i++
			return p.name, bytes.NewReader(p.data), nil
		}
	}

	dst, err := postgres.Open(ctx, storetest.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if err := dst.Restore(ctx, info, next(parts, -1)); err != nil {
		t.Fatal(err)
	}
	if err := dst.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`SELECT count(*) FROM contacts`, `SELECT count(*) FROM consent_states`, `SELECT count(*) FROM contact_keys`,
		`SELECT count(*) FROM schema_migrations`, `SELECT count(*) FROM river_migration`, `SELECT count(*) FROM purposes`} {
		want, got := b.Int(t, src, q), b.Int(t, dst, q)
		if q == `SELECT count(*) FROM contacts` {
			want-- // the row written after the snapshot began
		}
		if got != want {
			t.Errorf("%s: %d restored, want %d", q, got, want)
		}
	}
	if n := b.Int(t, dst, `SELECT count(*) FROM contacts WHERE id = 'late'`); n != 0 {
		t.Error("the snapshot holds a row written after it began")
	}
	if v := b.Int(t, dst, `SELECT last_value FROM river_job_id_seq`); v != 3 {
		t.Errorf("river_job_id_seq restored at %d, want 3", v)
	}
	if c, err := dst.Contact(ctx, "m000001234"); err != nil || string(c.PhoneCT) != "sealed m000001234" {
		t.Errorf("a restored contact: %q, %v", c.PhoneCT, err)
	}

	before := b.Int(t, dst, `SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace`)
	if err := dst.Restore(ctx, info, next(parts, -1)); !errors.Is(err, postgres.ErrNotEmpty) {
		t.Errorf("restore into a restored schema: %v; want ErrNotEmpty", err)
	}
	if after := b.Int(t, dst, `SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace`); after != before {
		t.Errorf("the refused restore changed the schema: %d relations, was %d", after, before)
	}

	for _, failAt := range []int{0, len(parts) / 2, len(parts)} {
		t.Run(fmt.Sprintf("damaged at part %d", failAt), func(t *testing.T) {
			t.Parallel()
			broken, err := postgres.Open(ctx, storetest.PostgresSchema(t))
			if err != nil {
				t.Fatal(err)
			}
			defer broken.Close()
			if err := broken.Restore(ctx, info, next(parts, failAt)); err == nil {
				t.Fatal("a restore whose archive failed midway succeeded")
			}
			if n := b.Int(t, broken, `SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace`); n != 0 {
				t.Errorf("a failed restore left %d relations in the schema", n)
			}
		})
	}
}

type closer struct {
	*bytes.Buffer
	close func()
}

func (c closer) Close() error { c.close(); return nil }
