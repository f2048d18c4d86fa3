// SPDX-License-Identifier: AGPL-3.0-only

package ledger_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/ledger"
)

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func sampleEvidence() ledger.Evidence {
	return ledger.Evidence{
		NoticeID: "n1", NoticeVersion: 3, NoticeHash: "abc", WordingHash: "def", Language: "nb",
		FlowVersion: "web-1", AffirmativeAct: "ticked box", MinAge: 15, IP: "192.0.2.1", UserAgent: "test",
		CollectedAt: "2026-11-29T12:00:00Z", ConfirmationChannel: "whatsapp", ConfirmationMessageID: "wamid.1",
		OrderRef: "o-1", ProductCategory: "shoes", OptOutOfferedAt: "2026-11-29T12:00:00Z", Reason: "r",
		Extra: map[string]string{"a": "1", "b": "2"},
	}
}

// chain builds n events of one contact with Next (L-02).
func chain(contactID string, n int) []ledger.Event {
	events := make([]ledger.Event, 0, n)
	var head ledger.Head
	for i := range n {
		kind := ledger.Kinds[i%len(ledger.Kinds)]
		e := ledger.Next(head, ledger.Event{
			ID: fmt.Sprintf("%s-e%d", contactID, i+1), ContactID: contactID, Kind: kind, Purpose: "offers",
			Channel: "whatsapp", At: t0.Add(time.Duration(i) * time.Minute), Method: "web_form", Actor: "api",
			AgeConfirmed: true,
		}, ledger.Evidence{Reason: fmt.Sprint(i)})
		events = append(events, e)
		head = ledger.Head{Seq: e.Seq, Hash: e.Hash}
	}
	return events
}

func headOf(events []ledger.Event) ledger.Head {
	if len(events) == 0 {
		return ledger.Head{}
	}
	last := events[len(events)-1]
	return ledger.Head{Seq: last.Seq, Hash: last.Hash}
}

// TestNext checks the chain fields Next fills in (L-02).
func TestNext(t *testing.T) {
	t.Parallel()
	oslo := time.FixedZone("CET", 3600)
	ev := sampleEvidence()
	tests := []struct {
		name string
		head ledger.Head
	}{
		{"first event of a chain", ledger.Head{}},
		{"after seq 41", ledger.Head{Seq: 41, Hash: bytes.Repeat([]byte{7}, 32)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := ledger.Event{
				ID: "e1", ContactID: "c1", Seq: 999, Kind: ledger.Confirmed, Purpose: "offers",
				At:         time.Date(2026, 11, 29, 13, 0, 0, 123456789, oslo),
				ValidUntil: time.Date(2027, 11, 29, 13, 0, 0, 987654321, oslo),
				Method:     "web_form", Actor: "api", PrevHash: []byte("forged"), Hash: []byte("forged"),
			}
			got := ledger.Next(tc.head, in, ev)
			if got.Seq != tc.head.Seq+1 {
				t.Errorf("Seq = %d, want %d", got.Seq, tc.head.Seq+1)
			}
			if !bytes.Equal(got.PrevHash, tc.head.Hash) {
				t.Errorf("PrevHash = %x, want %x", got.PrevHash, tc.head.Hash)
			}
			if want := time.Date(2026, 11, 29, 12, 0, 0, 123456000, time.UTC); !got.At.Equal(want) || got.At.Location() != time.UTC {
				t.Errorf("At = %v, want %v (UTC, whole microseconds)", got.At, want)
			}
			if want := time.Date(2027, 11, 29, 12, 0, 0, 987654000, time.UTC); !got.ValidUntil.Equal(want) || got.ValidUntil.Location() != time.UTC {
				t.Errorf("ValidUntil = %v, want %v (UTC, whole microseconds)", got.ValidUntil, want)
			}
			if !bytes.Equal(got.EvidenceDigest, ev.Digest()) {
				t.Errorf("EvidenceDigest = %x, want the evidence's digest %x", got.EvidenceDigest, ev.Digest())
			}
			if len(got.Hash) != sha256.Size || !bytes.Equal(got.Hash, got.ComputeHash()) {
				t.Errorf("Hash = %x, want ComputeHash() = %x", got.Hash, got.ComputeHash())
			}
			// The hash survives a round trip through JSON (as stored and exported, L-04).
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			var back ledger.Event
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back.ComputeHash(), got.Hash) {
				t.Errorf("after a JSON round trip ComputeHash() = %x, want %x", back.ComputeHash(), got.Hash)
			}
		})
	}
	t.Run("zero valid_until stays zero", func(t *testing.T) {
		t.Parallel()
		got := ledger.Next(ledger.Head{}, ledger.Event{ID: "e1", ContactID: "c1", Kind: ledger.Requested, At: t0}, ledger.Evidence{})
		if !got.ValidUntil.IsZero() {
			t.Errorf("ValidUntil = %v, want zero", got.ValidUntil)
		}
	})
}

// mutate changes the value v in place to a different value of its type.
func mutate(t *testing.T, name string, v reflect.Value) {
	t.Helper()
	switch x := v.Interface().(type) {
	case string:
		v.SetString(x + "x")
	case ledger.Kind:
		v.Set(reflect.ValueOf(x + "x"))
	case int64:
		v.SetInt(x + 1)
	case int:
		v.SetInt(int64(x) + 1)
	case bool:
		v.SetBool(!x)
	case time.Time:
		if x.IsZero() {
			v.Set(reflect.ValueOf(t0))
		} else {
			v.Set(reflect.ValueOf(x.Add(time.Microsecond)))
		}
	case []byte:
		b := append([]byte(nil), x...)
		if len(b) == 0 {
			b = []byte{0}
		} else {
			b[len(b)-1] ^= 1
		}
		v.SetBytes(b)
	case map[string]string:
		m := map[string]string{}
		for k, val := range x {
			m[k] = val
		}
		m["added"] = "1"
		v.Set(reflect.ValueOf(m))
	default:
		t.Fatalf("field %s has type %T, which this test cannot change: teach mutate about it", name, x)
	}
}

// TestComputeHashCoversEveryField changes each field of an event in turn: the
// hash must change with every one but Hash itself (L-02: an edited event is caught).
func TestComputeHashCoversEveryField(t *testing.T) {
	t.Parallel()
	base := chain("c1", 3)[2] // has a prev hash
	base.ValidUntil = t0.Add(365 * 24 * time.Hour)
	base.Source = "api"
	typ := reflect.TypeOf(base)
	covered := map[string]bool{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Name == "Hash" {
			continue
		}
		covered[f.Name] = true
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			e := base
			e.EvidenceDigest = append([]byte(nil), base.EvidenceDigest...)
			e.PrevHash = append([]byte(nil), base.PrevHash...)
			mutate(t, f.Name, reflect.ValueOf(&e).Elem().Field(i))
			if bytes.Equal(e.ComputeHash(), base.ComputeHash()) {
				t.Errorf("changing %s leaves the hash unchanged", f.Name)
			}
		})
	}
	want := []string{"ID", "ContactID", "Seq", "Kind", "Purpose", "Channel", "At", "Method", "Source", "Actor",
		"ValidUntil", "AgeConfirmed", "EvidenceDigest", "PrevHash"}
	for _, name := range want {
		if !covered[name] {
			t.Errorf("Event has no field %s any more", name)
		}
	}
	t.Run("valid_until set where it was zero", func(t *testing.T) {
		t.Parallel()
		e := base
		e.ValidUntil = time.Time{}
		f := e
		f.ValidUntil = t0
		if bytes.Equal(e.ComputeHash(), f.ComputeHash()) {
			t.Error("setting ValidUntil leaves the hash unchanged")
		}
	})
	t.Run("field boundaries are unambiguous", func(t *testing.T) {
		t.Parallel()
		// Moving a character from one field to the next must change the hash.
		e, f := base, base
		e.Method, e.Source = "web", "_formapi"
		f.Method, f.Source = "web_", "formapi"
		if bytes.Equal(e.ComputeHash(), f.ComputeHash()) {
			t.Error("shifting text between Method and Source leaves the hash unchanged")
		}
	})
	t.Run("same instant in another zone hashes the same", func(t *testing.T) {
		t.Parallel()
		e := base
		e.At = base.At.In(time.FixedZone("CET", 3600))
		if !bytes.Equal(e.ComputeHash(), base.ComputeHash()) {
			t.Error("the hash depends on the time zone of At, not only the instant")
		}
	})
}

// TestEvidenceDigest checks that the digest covers every evidence field and
// does not depend on the order of a map (C-03, L-03, L-05).
func TestEvidenceDigest(t *testing.T) {
	t.Parallel()
	base := sampleEvidence()
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		f := typ.Field(i)
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			ev := sampleEvidence()
			mutate(t, f.Name, reflect.ValueOf(&ev).Elem().Field(i))
			if bytes.Equal(ev.Digest(), base.Digest()) {
				t.Errorf("changing %s leaves the digest unchanged", f.Name)
			}
		})
		t.Run(f.Name+" from empty", func(t *testing.T) {
			t.Parallel()
			var ev ledger.Evidence
			mutate(t, f.Name, reflect.ValueOf(&ev).Elem().Field(i))
			if bytes.Equal(ev.Digest(), ledger.Evidence{}.Digest()) {
				t.Errorf("setting %s on empty evidence leaves the digest unchanged", f.Name)
			}
		})
	}
	t.Run("extra value changed", func(t *testing.T) {
		t.Parallel()
		ev := sampleEvidence()
		ev.Extra = map[string]string{"a": "1", "b": "3"}
		if bytes.Equal(ev.Digest(), base.Digest()) {
			t.Error("changing an extra value leaves the digest unchanged")
		}
	})
	t.Run("stable across map order", func(t *testing.T) {
		t.Parallel()
		keys := strings.Split("zeta alpha mu beta omega kappa gamma delta epsilon eta theta iota lambda nu xi", " ")
		forward, backward := map[string]string{}, map[string]string{}
		for i, k := range keys {
			forward[k] = fmt.Sprint(i)
		}
		for i := len(keys) - 1; i >= 0; i-- {
			backward[keys[i]] = fmt.Sprint(i)
		}
		a, b := ledger.Evidence{Extra: forward}, ledger.Evidence{Extra: backward}
		want := a.Digest()
		for range 100 { // map iteration order is random on each pass
			if got := b.Digest(); !bytes.Equal(got, want) {
				t.Fatalf("Digest = %x, want %x", got, want)
			}
			if got := a.Digest(); !bytes.Equal(got, want) {
				t.Fatalf("Digest = %x, want %x", got, want)
			}
		}
		if len(want) != sha256.Size {
			t.Errorf("len(Digest) = %d, want %d", len(want), sha256.Size)
		}
	})
}

// verify runs events through a verifier whose Heads callback compares each
// finished chain with the heads a contact row would record, as the app does.
func verify(events []ledger.Event, begin []string, recorded map[string]ledger.Head) (seen map[string]ledger.Head, count int64, err error) {
	seen = map[string]ledger.Head{}
	v := ledger.Verifier{Heads: func(id string, got ledger.Head) error {
		seen[id] = got
		want := recorded[id]
		if got.Seq != want.Seq || !bytes.Equal(got.Hash, want.Hash) {
			return &ledger.Fault{ContactID: id, Seq: got.Seq,
				Problem: fmt.Sprintf("chain ends at seq %d but the contact records head seq %d", got.Seq, want.Seq)}
		}
		return nil
	}}
	for _, id := range begin {
		if err := v.Begin(id); err != nil {
			return seen, v.Count, err
		}
	}
	for _, e := range events {
		if err := v.Add(e); err != nil {
			return seen, v.Count, err
		}
	}
	return seen, v.Count, v.Close()
}

// TestVerifier tampers with a chain in every way L-02 names; each must be
// reported as a *Fault wrapping ErrBroken, at the right event.
func TestVerifier(t *testing.T) {
	t.Parallel()
	const n = 6
	good := chain("c1", n)
	recorded := map[string]ledger.Head{"c1": headOf(good)}
	clone := func() []ledger.Event {
		out := make([]ledger.Event, len(good))
		copy(out, good)
		return out
	}
	tests := []struct {
		name     string
		events   func() []ledger.Event
		recorded map[string]ledger.Head
		wantSeq  int64  // seq named by the fault
		wantID   string // event named by the fault, "" for a head fault
		wantText string
	}{
		{
			name: "edited event: hash mismatch",
			events: func() []ledger.Event {
				ev := clone()
				ev[2].Method = "imported"
				return ev
			},
			wantSeq: 3, wantID: "c1-e3", wantText: "edited",
		},
		{
			name: "edited age confirmation (C-13)",
			events: func() []ledger.Event {
				ev := clone()
				ev[1].AgeConfirmed = false
				return ev
			},
			wantSeq: 2, wantID: "c1-e2", wantText: "edited",
		},
		{
			name: "replaced hash",
			events: func() []ledger.Event {
				ev := clone()
				ev[3].Hash = bytes.Repeat([]byte{1}, 32)
				return ev
			},
			wantSeq: 4, wantID: "c1-e4", wantText: "edited",
		},
		{
			name: "edited and re-hashed event: the next event's prev_hash",
			events: func() []ledger.Event {
				ev := clone()
				ev[2].Kind = ledger.Confirmed
				ev[2].Hash = ev[2].ComputeHash()
				return ev
			},
			wantSeq: 4, wantID: "c1-e4", wantText: "prev_hash",
		},
		{
			name: "deleted middle event: sequence gap",
			events: func() []ledger.Event {
				ev := clone()
				return append(ev[:2], ev[3:]...)
			},
			wantSeq: 4, wantID: "c1-e4", wantText: "sequence gap",
		},
		{
			name: "deleted first event",
			events: func() []ledger.Event {
				return clone()[1:]
			},
			wantSeq: 2, wantID: "c1-e2", wantText: "sequence gap",
		},
		{
			name: "reordered events",
			events: func() []ledger.Event {
				ev := clone()
				ev[2], ev[3] = ev[3], ev[2]
				return ev
			},
			wantSeq: 4, wantID: "c1-e4", wantText: "sequence gap",
		},
		{
			name: "reordered with seqs swapped back",
			events: func() []ledger.Event {
				ev := clone()
				ev[2], ev[3] = ev[3], ev[2]
				ev[2].Seq, ev[3].Seq = 3, 4
				return ev
			},
			wantSeq: 3, wantID: "c1-e4", wantText: "prev_hash",
		},
		{
			name: "inserted event",
			events: func() []ledger.Event {
				ev := clone()
				forged := ledger.Next(ledger.Head{Seq: ev[1].Seq, Hash: ev[1].Hash},
					ledger.Event{ID: "forged", ContactID: "c1", Kind: ledger.Confirmed, Purpose: "offers", At: t0}, ledger.Evidence{})
				return append(ev[:2], append([]ledger.Event{forged}, ev[2:]...)...)
			},
			wantSeq: 3, wantID: "c1-e3", wantText: "sequence gap",
		},
		{
			name: "inserted event with the rest renumbered",
			events: func() []ledger.Event {
				ev := clone()
				forged := ledger.Next(ledger.Head{Seq: ev[1].Seq, Hash: ev[1].Hash},
					ledger.Event{ID: "forged", ContactID: "c1", Kind: ledger.Confirmed, Purpose: "offers", At: t0}, ledger.Evidence{})
				rest := ev[2:]
				for i := range rest {
					rest[i].Seq++
				}
				return append(ev[:2], append([]ledger.Event{forged}, rest...)...)
			},
			wantSeq: 4, wantID: "c1-e3", wantText: "prev_hash",
		},
		{
			name: "first event with a prev_hash",
			events: func() []ledger.Event {
				ev := clone()
				ev[0].PrevHash = []byte{1}
				return ev
			},
			wantSeq: 1, wantID: "c1-e1", wantText: "prev_hash",
		},
		{
			name: "removed tail: the head differs from the recorded one",
			events: func() []ledger.Event {
				return clone()[:n-2]
			},
			wantSeq: n - 2, wantText: fmt.Sprintf("records head seq %d", n),
		},
		{
			name: "tail rewritten from the third event: only the head catches it",
			events: func() []ledger.Event {
				ev := clone()
				head := ledger.Head{Seq: ev[1].Seq, Hash: ev[1].Hash}
				for i := 2; i < n; i++ {
					e := ev[i]
					e.Kind = ledger.Withdrawn
					ev[i] = ledger.Next(head, e, ledger.Evidence{})
					head = ledger.Head{Seq: ev[i].Seq, Hash: ev[i].Hash}
				}
				return ev
			},
			wantSeq: n, wantText: "records head seq",
		},
		{
			name: "all events removed",
			events: func() []ledger.Event {
				return nil
			},
			wantSeq: 0, wantText: fmt.Sprintf("records head seq %d", n),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := verify(tc.events(), []string{"c1"}, recorded)
			if err == nil {
				t.Fatal("the chain verifies, want a fault")
			}
			if !errors.Is(err, ledger.ErrBroken) {
				t.Errorf("error %v does not wrap ErrBroken", err)
			}
			var f *ledger.Fault
			if !errors.As(err, &f) {
				t.Fatalf("error %T %v is not a *ledger.Fault", err, err)
			}
			want := ledger.Fault{ContactID: "c1", EventID: tc.wantID, Seq: tc.wantSeq, Problem: f.Problem}
			if diff := cmp.Diff(want, *f); diff != "" {
				t.Errorf("fault (-want +got):\n%s", diff)
			}
			if !strings.Contains(f.Problem, tc.wantText) {
				t.Errorf("problem %q does not say %q", f.Problem, tc.wantText)
			}
			if !strings.Contains(err.Error(), "c1") {
				t.Errorf("error %q does not name the contact", err)
			}
		})
	}
	t.Run("untouched chain verifies", func(t *testing.T) {
		t.Parallel()
		seen, count, err := verify(good, []string{"c1"}, recorded)
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if count != n {
			t.Errorf("Count = %d, want %d", count, n)
		}
		if diff := cmp.Diff(recorded, seen); diff != "" {
			t.Errorf("heads (-want +got):\n%s", diff)
		}
	})
}

// TestVerifierEmptyChains checks contacts without events (L-02): Begin hands
// an empty head to the callback, which catches a contact whose events all went.
func TestVerifierEmptyChains(t *testing.T) {
	t.Parallel()
	c2 := chain("c2", 2)
	tests := []struct {
		name     string
		begin    []string
		events   []ledger.Event
		recorded map[string]ledger.Head
		wantErr  bool
	}{
		{"no chains at all", nil, nil, nil, false},
		{"two empty chains", []string{"c1", "c3"}, nil, map[string]ledger.Head{}, false},
		{"empty chain between full ones", []string{"c1"}, c2,
			map[string]ledger.Head{"c2": headOf(c2)}, false},
		{"empty chain whose contact records events", []string{"c1", "c3"}, nil,
			map[string]ledger.Head{"c1": {Seq: 2, Hash: []byte{1}}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			seen, _, err := verify(tc.events, tc.begin, tc.recorded)
			if (err != nil) != tc.wantErr {
				t.Fatalf("verify: %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				if !errors.Is(err, ledger.ErrBroken) {
					t.Errorf("error %v does not wrap ErrBroken", err)
				}
				return
			}
			for _, id := range tc.begin {
				if h, ok := seen[id]; !ok || h.Seq != 0 || len(h.Hash) != 0 {
					t.Errorf("head of %s = %+v (reported %v), want an empty head", id, h, ok)
				}
			}
			if len(seen) != len(tc.begin)+len(headsOf(tc.events)) {
				t.Errorf("Heads was called for %d chains, want %d", len(seen), len(tc.begin)+len(headsOf(tc.events)))
			}
		})
	}
}

func headsOf(events []ledger.Event) map[string]ledger.Head {
	out := map[string]ledger.Head{}
	for _, e := range events {
		out[e.ContactID] = ledger.Head{Seq: e.Seq, Hash: e.Hash}
	}
	return out
}

// TestVerifierManyContacts verifies a ledger of 1,000 events over 50 contacts
// (L-02), then breaks one event in the middle of it.
func TestVerifierManyContacts(t *testing.T) {
	t.Parallel()
	var all []ledger.Event
	for c := range 50 {
		all = append(all, chain(fmt.Sprintf("c%02d", c), 20)...)
	}
	recorded := headsOf(all)
	t.Run("verifies", func(t *testing.T) {
		t.Parallel()
		seen, count, err := verify(all, nil, recorded)
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if count != 1000 {
			t.Errorf("Count = %d, want 1000", count)
		}
		if diff := cmp.Diff(recorded, seen); diff != "" {
			t.Errorf("heads (-want +got):\n%s", diff)
		}
	})
	t.Run("one edit in contact 31 is found", func(t *testing.T) {
		t.Parallel()
		broken := make([]ledger.Event, len(all))
		copy(broken, all)
		broken[31*20+7].Actor = "someone else"
		_, _, err := verify(broken, nil, recorded)
		var f *ledger.Fault
		if !errors.As(err, &f) || f.ContactID != "c31" || f.Seq != 8 {
			t.Fatalf("verify = %v, want a fault at c31 seq 8", err)
		}
	})
	t.Run("events of two contacts interleaved", func(t *testing.T) {
		t.Parallel()
		mixed := []ledger.Event{all[0], all[20], all[1]}
		_, _, err := verify(mixed, nil, recorded)
		if !errors.Is(err, ledger.ErrBroken) {
			t.Fatalf("verify = %v, want ErrBroken", err)
		}
	})
}

// TestKindValid checks the known kinds (L-01).
func TestKindValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind ledger.Kind
		want bool
	}{
		{ledger.Requested, true}, {ledger.Confirmed, true}, {ledger.Withdrawn, true}, {ledger.Objected, true},
		{ledger.Expired, true}, {ledger.Refreshed, true}, {ledger.SoftOptIn, true}, {ledger.Rectified, true},
		{ledger.Erased, true}, {"given", false}, {"", false}, {"Confirmed", false},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind)+"_", func(t *testing.T) {
			t.Parallel()
			if got := tc.kind.Valid(); got != tc.want {
				t.Errorf("%q.Valid() = %v, want %v", tc.kind, got, tc.want)
			}
		})
	}
	if len(ledger.Kinds) != 9 {
		t.Errorf("len(Kinds) = %d, want 9", len(ledger.Kinds))
	}
}

// TestFaultError: a fault says where, as far as it knows: the event, the
// end of a chain, or the purpose whose derived state differs (invariant 11).
func TestFaultError(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		f    ledger.Fault
		want string
	}{
		{ledger.Fault{ContactID: "c1", EventID: "e2", Seq: 2, Problem: "edited"}, "ledger: contact c1 event e2 (seq 2): edited"},
		{ledger.Fault{ContactID: "c1", Seq: 3, Problem: "cut"}, "ledger: contact c1 at seq 3: cut"},
		{ledger.Fault{ContactID: "c1", Purpose: "offers", Problem: "differs"}, "ledger: contact c1 purpose offers: differs"},
		{ledger.Fault{ContactID: "c1", EventID: "e4", Seq: 4, Problem: "not suppressed"}, "ledger: contact c1 event e4 (seq 4): not suppressed"},
		{ledger.Fault{EventID: "e9", Problem: "orphan"}, "ledger: event e9 (seq 0): orphan"},
	} {
		if got := c.f.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
		if !errors.Is(&c.f, ledger.ErrBroken) {
			t.Errorf("%q is not ErrBroken", c.want)
		}
	}
}

// L-02: an event's hash is a fixed function of its fields: these two were
// computed before ComputeHash left fmt for appends, so a stored chain still
// verifies after it.
func TestComputeHashPinned(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 15, 0, 123456789, time.UTC)
	for _, c := range []struct {
		e    ledger.Event
		want string
	}{
		{ledger.Event{ID: "019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b", ContactID: "c1", Seq: 12, Kind: "confirmed", Purpose: "offers", Channel: "whatsapp",
			At: at, Method: "web_form", Source: "import", Actor: "bench (admin)", ValidUntil: at.AddDate(1, 0, 0), AgeConfirmed: true,
			EvidenceDigest: []byte{1, 2, 3}, PrevHash: []byte{0xff, 0}}, "192a29c0b631f218d17f4db7879572846474770eb5d72cd56fe52b29d10d4bce"},
		{ledger.Event{ID: "x", ContactID: "ø", Seq: 1, At: at}, "9d2a95c2c19b23a0d462d27a52ec354afb0f6128f92d8f0531fb047b874ba29c"},
	} {
		if got := hex.EncodeToString(c.e.ComputeHash()); got != c.want {
			t.Errorf("event %s: hash %s, want %s", c.e.ID, got, c.want)
		}
	}
}
