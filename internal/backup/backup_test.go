// SPDX-License-Identifier: AGPL-3.0-only

package backup_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/samtykke/samtykke/internal/backup"
)

type parts map[string][]byte

// write makes an archive of the parts, in the order of names.
func write(t *testing.T, m backup.Manifest, names []string, p parts, rs ...age.Recipient) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := backup.NewWriter(&buf, m, rs...)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		pw, err := w.Part(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pw.Write(p[n]); err != nil {
			t.Fatal(err)
		}
		if err := pw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// read reads a whole archive.
func read(raw []byte, ids ...age.Identity) (backup.Manifest, parts, error) {
	r, err := backup.NewReader(bytes.NewReader(raw), ids...)
	if err != nil {
		return backup.Manifest{}, nil, err
	}
	out := parts{}
	for {
		name, p, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r.Manifest(), out, nil
		}
		if err != nil {
			return r.Manifest(), out, err
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return r.Manifest(), out, err
		}
		out[name] = b
	}
}

// TestArchive (S-03): an archive reads back as written, to each of its
// recipients; no part is in clear in it; a wrong identity is ErrWrongKey;
// a truncated, altered or extended archive is ErrDamaged, wherever it was
// cut or changed.
func TestArchive(t *testing.T) {
	t.Parallel()
	id1, _ := age.GenerateX25519Identity()
	id2, _ := age.GenerateX25519Identity()
	stranger, _ := age.GenerateX25519Identity()
	big := bytes.Repeat([]byte("sealed-row-"), 30000) // several age chunks and frames
	p := parts{"samtykke.db": big, "sequences": []byte(`{"river_job_id_seq":7}`), "empty": nil}
	m := backup.Manifest{Store: "sqlite", SchemaVersion: 23, CreatedAt: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC), KeyFingerprint: "abcdef"}
	raw := write(t, m, []string{"samtykke.db", "empty", "sequences"}, p, id1.Recipient(), id2.Recipient())
	if bytes.Contains(raw, []byte("sealed-row")) || bytes.Contains(raw, []byte("abcdef")) {
		t.Error("the archive holds its content in clear")
	}
	for _, id := range []age.Identity{id1, id2} {
		gm, gp, err := read(raw, id)
		if err != nil || gm.SchemaVersion != 23 || gm.Store != "sqlite" || !gm.CreatedAt.Equal(m.CreatedAt) || gm.Format != backup.Format ||
			!bytes.Equal(gp["samtykke.db"], big) || string(gp["sequences"]) != string(p["sequences"]) || len(gp) != 3 {
			t.Errorf("read back: %+v, %d parts, %v", gm, len(gp), err)
		}
	}
	if _, _, err := read(raw, stranger); !errors.Is(err, backup.ErrWrongKey) {
		t.Errorf("a stranger's identity: %v; want ErrWrongKey", err)
	}
	for _, cut := range []int{10, 200, len(raw) / 3, len(raw) - 17, len(raw) - 1} {
		if _, _, err := read(raw[:cut], id1); !errors.Is(err, backup.ErrDamaged) {
			t.Errorf("cut at %d of %d: %v; want ErrDamaged", cut, len(raw), err)
		}
	}
	for _, at := range []int{300, len(raw) / 2, len(raw) - 5} {
		altered := bytes.Clone(raw)
		altered[at] ^= 1
		if _, _, err := read(altered, id1); !errors.Is(err, backup.ErrDamaged) {
			t.Errorf("a byte changed at %d: %v; want ErrDamaged", at, err)
		}
	}
	if _, _, err := read(append(bytes.Clone(raw), 0), id1); !errors.Is(err, backup.ErrDamaged) {
		t.Errorf("a byte appended: %v; want ErrDamaged", err)
	}
	if _, err := backup.NewWriter(io.Discard, m); err == nil {
		t.Error("an archive to no recipient was begun")
	}
}

// TestParseRecipients: recipients one a line or comma separated, comments
// skipped; a malformed one is refused.
func TestParseRecipients(t *testing.T) {
	t.Parallel()
	a, _ := age.GenerateX25519Identity()
	b, _ := age.GenerateX25519Identity()
	rs, err := backup.ParseRecipients("# drift\n" + a.Recipient().String() + ", " + b.Recipient().String() + "\n\n")
	if err != nil || len(rs) != 2 {
		t.Errorf("%d recipients, %v; want 2", len(rs), err)
	}
	if rs, err := backup.ParseRecipients(" \n# none\n"); err != nil || len(rs) != 0 {
		t.Errorf("none: %d, %v", len(rs), err)
	}
	if _, err := backup.ParseRecipients("age1nope"); err == nil {
		t.Error("a malformed recipient was accepted")
	}
}

// TestReadJournal: a journal reads line by line; a torn last line (a write
// that did not finish) is left out; any other bad line is refused, naming
// it.
func TestReadJournal(t *testing.T) {
	t.Parallel()
	good := `{"contact_id":"c1","at":"2026-12-06T09:00:00Z","method":"request"}` + "\n" +
		`{"contact_id":"c2","at":"2026-12-06T09:01:00Z","method":"retention","suppression":"00ff"}` + "\n"
	es, err := backup.ReadJournal(strings.NewReader(good + `{"contact_id":"c3","at`))
	if err != nil || len(es) != 2 || es[1].ContactID != "c2" {
		t.Fatalf("%+v, %v", es, err)
	}
	if tok, err := es[1].Token(); err != nil || !bytes.Equal(tok, []byte{0, 0xff}) {
		t.Errorf("token %x, %v", tok, err)
	}
	for _, bad := range []string{"nonsense\n", `{"at":"2026-12-06T09:00:00Z"}` + "\n", `{"contact_id":"c","at":"2026-12-06T09:00:00Z","suppression":"zz"}` + "\n"} {
		if _, err := backup.ReadJournal(strings.NewReader(good + bad)); err == nil || !strings.Contains(err.Error(), "line 3") {
			t.Errorf("%q: %v; want refused naming line 3", bad, err)
		}
	}
}
