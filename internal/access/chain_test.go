// SPDX-License-Identifier: AGPL-3.0-only

package access_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/access"
)

var t0 = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

// chain builds n entries with Next from start (invariant 6).
func chain(start access.Head, n int) []access.Entry {
	es := make([]access.Entry, 0, n)
	head := start
	for i := range n {
		e := access.Next(head, access.Entry{ID: fmt.Sprintf("a%d", int(start.Seq)+i+1), At: t0.Add(time.Duration(i) * time.Minute),
			Actor: "token:t1:ci", Action: access.Read, ContactID: "c1", Reason: "support case", RequestID: "r"})
		es = append(es, e)
		head = access.Head{Seq: e.Seq, Hash: e.Hash}
	}
	return es
}

func TestNext(t *testing.T) {
	t.Parallel()
	prev := access.Head{Seq: 41, Hash: bytes.Repeat([]byte{7}, 32)}
	in := access.Entry{ID: "a", At: time.Date(2026, 12, 6, 10, 0, 0, 123456789, time.FixedZone("CET", 3600)), Actor: "cli:dpo",
		Action: access.Reveal, Seq: 999, PrevHash: []byte("forged"), Hash: []byte("forged")}
	got := access.Next(prev, in)
	if got.Seq != 42 || !bytes.Equal(got.PrevHash, prev.Hash) || got.At.Location() != time.UTC || got.At.Nanosecond() != 123456000 {
		t.Errorf("Next = seq %d prev %x at %v", got.Seq, got.PrevHash, got.At)
	}
	if !bytes.Equal(got.Hash, got.ComputeHash()) || bytes.Equal(got.Hash, []byte("forged")) {
		t.Errorf("hash %x is not the entry's", got.Hash)
	}
}

// TestComputeHashCoversEveryField: changing any field but the hash itself
// changes the hash, so no edit goes unseen (invariant 6).
func TestComputeHashCoversEveryField(t *testing.T) {
	t.Parallel()
	rows := int64(7)
	base := access.Entry{ID: "a", At: t0, Actor: "x", Action: access.Export, ContactID: "c", Reason: "r", RequestID: "q",
		Scope: access.ScopeContacts, Rows: &rows, Outcome: access.Complete, Refers: "e", Seq: 3, PrevHash: []byte{1}}
	h := base.ComputeHash()
	rt := reflect.TypeOf(base)
	for i := range rt.NumField() {
		name := rt.Field(i).Name
		if name == "Hash" {
			continue
		}
		e := base
		f := reflect.ValueOf(&e).Elem().Field(i)
		switch v := f.Addr().Interface().(type) {
		case *string:
			*v += "x"
		case *access.Action:
			*v += "x"
		case *access.Outcome:
			*v += "x"
		case *int64:
			*v++
		case *time.Time:
			*v = v.Add(time.Microsecond)
		case *[]byte:
			*v = append([]byte{0}, *v...)
		case **int64:
			zero := int64(0)
			*v = &zero
		default:
			t.Fatalf("field %s of an unhandled type: add it here and to ComputeHash", name)
		}
		if bytes.Equal(e.ComputeHash(), h) {
			t.Errorf("changing %s leaves the hash the same", name)
		}
	}
	// Rows unknown is not 0 rows.
	e := base
	e.Rows = nil
	if zero := int64(0); bytes.Equal(e.ComputeHash(), func() []byte { e.Rows = &zero; return e.ComputeHash() }()) {
		t.Errorf("unknown rows hash as 0 rows")
	}
}

// TestComputeHashPinned: the encoding is fixed; a change would break every
// stored chain.
func TestComputeHashPinned(t *testing.T) {
	t.Parallel()
	e := access.Entry{ID: "a1", At: t0, Actor: "cli:dpo", Action: access.Reveal, ContactID: "c1", Reason: "sak 12", Seq: 1}
	// Computed apart (Python's hashlib over the same "len:value;" fields).
	const pinned = "7f8399e62f5dcd5f4aaeabbc0f684c7e030b162832f3634999cb1f8b288adcef"
	if got := hex.EncodeToString(e.ComputeHash()); got != pinned {
		t.Errorf("hash = %s; want %s", got, pinned)
	}
}

func TestVerifier(t *testing.T) {
	t.Parallel()
	anchor := access.Head{Seq: 10, Hash: bytes.Repeat([]byte{9}, 32)}
	tests := []struct {
		name    string
		start   access.Head
		edit    func([]access.Entry) []access.Entry
		head    func([]access.Entry) access.Head
		seq     int64
		problem string
	}{
		{"whole", access.Head{}, nil, nil, 0, ""},
		{"whole after an anchor", anchor, nil, nil, 0, ""},
		{"edited", access.Head{}, func(es []access.Entry) []access.Entry { es[1].Reason = "routine"; return es }, nil, 2, "edited"},
		{"deleted", access.Head{}, func(es []access.Entry) []access.Entry { return append(es[:1], es[2:]...) }, nil, 3, "gap"},
		{"reordered", access.Head{}, func(es []access.Entry) []access.Entry { es[1], es[2] = es[2], es[1]; return es }, nil, 3, "gap"},
		{"wrong anchor", anchor, nil, nil, 11, "prev_hash"},
		{"cut tail", access.Head{}, func(es []access.Entry) []access.Entry { return es[:3] }, nil, 3, "removed from the end"},
		{"empty log, head moved", access.Head{}, func([]access.Entry) []access.Entry { return nil },
			func([]access.Entry) access.Head { return access.Head{Seq: 1} }, 0, "removed from the end"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := tc.start
			es := chain(start, 4)
			head := access.Head{Seq: es[3].Seq, Hash: es[3].Hash}
			if tc.name == "wrong anchor" {
				start = access.Head{Seq: 10, Hash: []byte("other")}
			}
			if tc.edit != nil {
				es = tc.edit(es)
			}
			if tc.head != nil {
				head = tc.head(es)
			}
			v := access.NewVerifier(start)
			var err error
			for _, e := range es {
				if err = v.Add(e); err != nil {
					break
				}
			}
			if err == nil {
				err = v.Close(head)
			}
			var f *access.Fault
			switch {
			case tc.problem == "" && err != nil:
				t.Fatalf("verify = %v; want none", err)
			case tc.problem == "":
				if v.Count != 4 {
					t.Errorf("counted %d; want 4", v.Count)
				}
			case !errors.As(err, &f) || !errors.Is(err, access.ErrBroken):
				t.Fatalf("verify = %v; want an *access.Fault", err)
			case f.Seq != tc.seq || !strings.Contains(f.Problem, tc.problem):
				t.Errorf("fault = %+v; want seq %d, problem with %q", f, tc.seq, tc.problem)
			}
		})
	}
}

// TestPrunable: only an oldest prefix wholly before the cutoff goes; an
// entry at the cutoff, or a later one, stops it.
func TestPrunable(t *testing.T) {
	t.Parallel()
	cut := t0.Add(time.Hour)
	for _, tc := range []struct {
		ats  []time.Duration
		want int
	}{
		{nil, 0},
		{[]time.Duration{0, 1, 2}, 3},
		{[]time.Duration{0, 60, 2}, 1}, // the third waits for the second
		{[]time.Duration{60, 0}, 0},    // at the cutoff is kept
		{[]time.Duration{59, 61}, 1},
	} {
		var ats []time.Time
		for _, d := range tc.ats {
			ats = append(ats, t0.Add(d*time.Minute))
		}
		if got := access.Prunable(ats, cut); got != tc.want {
			t.Errorf("Prunable(%v) = %d; want %d", tc.ats, got, tc.want)
		}
	}
}

func TestFaultError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		f    access.Fault
		want string
	}{
		{access.Fault{EntryID: "a2", Seq: 2, Problem: "p"}, "access log: entry a2 (seq 2): p"},
		{access.Fault{Seq: 5, Problem: "p"}, "access log: at seq 5: p"},
		{access.Fault{Problem: "p"}, "access log: p"},
	} {
		if got := tc.f.Error(); got != tc.want {
			t.Errorf("Error() = %q; want %q", got, tc.want)
		}
	}
}
