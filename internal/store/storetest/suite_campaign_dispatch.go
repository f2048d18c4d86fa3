// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
)

func exerciseLockQueued(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	startCampaign(t, s)
	for _, tt := range []struct {
		limit int
		want  []string
	}{{3, audienceAll[:3]}, {1, audienceAll[:1]}, {10, audienceAll}} {
		tx(t, s, func(tx store.Tx) error {
			ids, err := tx.LockQueued(ctx, "k1", "", tt.limit, t0)
			if diff := gocmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("LockQueued(limit %d) (-want +got):\n%s", tt.limit, diff)
			}
			return err
		})
	}
	tx(t, s, func(tx store.Tx) error {
		ids, err := tx.LockQueued(ctx, "nope", "", 10, t0)
		if len(ids) != 0 {
			t.Errorf("LockQueued of an unknown campaign = %v", ids)
		}
		return err
	})
	// A message no longer queued is not picked up.
	tx(t, s, func(tx store.Tx) error {
		return decideIn(ctx, tx, []store.Decision{{MessageID: "k1:c1", Status: message.Skipped, Reason: "suppressed"}}, t0)
	})
	tx(t, s, func(tx store.Tx) error {
		ids, err := tx.LockQueued(ctx, "k1", "", 2, t0)
		if diff := gocmp.Diff([]string{"c2", "c4"}, ids); diff != "" {
			t.Errorf("LockQueued after c1 was skipped (-want +got):\n%s", diff)
		}
		return err
	})

	type row struct {
		MessageID string
		Status    message.Status
		ContactID string
		PhoneCT   string
		Key       string
		Region    string
		Mobile    bool
		Language  string
		State     consent.State
	}
	project := func(rs []store.DispatchRow) []row {
		var out []row
		for _, r := range rs {
			out = append(out, row{r.MessageID, r.Status, r.Contact.ID, string(r.Contact.PhoneCT), string(r.Contact.KeyWrapped),
				r.Contact.Region, r.Contact.Mobile, r.Contact.Language, r.State})
		}
		return out
	}
	contactRow := func(id, lang string, st message.Status, state consent.State) row {
		return row{"k1:" + id, st, id, "sealed-" + id, "wrapped-" + id, "NO", true, lang, state}
	}
	tests := []struct {
		name     string
		purpose  string
		contacts []string
		want     []row
	}{
		{"rows in contact order", "offers", []string{"c4", "c2", "c1"}, []row{
			contactRow("c1", "nb", message.Skipped, activeState("c1", "offers")),
			contactRow("c2", "nb", message.Queued, activeState("c2", "offers")),
			contactRow("c4", "en", message.Queued, activeState("c4", "offers")),
		}},
		{"contacts without a message in the campaign are left out", "offers", []string{"c3", "c5", "c7", "zz"}, []row{
			contactRow("c7", "nb", message.Queued, activeState("c7", "offers")),
		}},
		// The state is read for the purpose asked: without a state for
		// it, the status is none and nothing else is set.
		{"no consent state gives status none", "news", []string{"c6"}, []row{
			contactRow("c6", "nb", message.Queued, consent.State{ContactID: "c6", Purpose: "news", Status: consent.StatusNone}),
		}},
		{"an empty list", "offers", []string{}, nil},
	}
	for _, tt := range tests {
		tx(t, s, func(tx store.Tx) error {
			rs, err := tx.DispatchRows(ctx, "k1", tt.purpose, tt.contacts)
			if diff := gocmp.Diff(tt.want, project(rs)); diff != "" {
				t.Errorf("%s: DispatchRows (-want +got):\n%s", tt.name, diff)
			}
			return err
		})
	}
	// No contacts at all (a nil list) reads nothing, and is no error.
	err := s.Tx(ctx, func(tx store.Tx) error {
		rs, err := tx.DispatchRows(ctx, "k1", "offers", nil)
		if len(rs) != 0 {
			t.Errorf("DispatchRows(nil) = %+v, want none", rs)
		}
		return err
	})
	if err != nil {
		t.Errorf("DispatchRows(nil): %v, want no error", err)
	}
	// A withdrawn state is reported as such (the gate then skips).
	w := activeState("c2", "offers")
	w.Status, w.EventID, w.Basis, w.ValidUntil, w.Since = consent.StatusWithdrawn, "e-w", "", time.Time{}, t0
	tx(t, s, func(tx store.Tx) error { return tx.PutConsentState(ctx, w) })
	tx(t, s, func(tx store.Tx) error {
		rs, err := tx.DispatchRows(ctx, "k1", "offers", []string{"c2"})
		if diff := gocmp.Diff([]row{contactRow("c2", "nb", message.Queued, w)}, project(rs)); diff != "" {
			t.Errorf("DispatchRows after withdrawal (-want +got):\n%s", diff)
		}
		return err
	})
}

func exerciseCampaignCounts(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	startCampaign(t, s)
	// A second campaign to the same people, which none of this may touch.
	other := campaign.Campaign{ID: "k2", Name: "Andre", Purpose: "offers", Status: campaign.Running, CreatedAt: t0,
		Template: campaign.Template{Name: "other", Languages: map[string]campaign.Variant{"nb": {Body: "x"}}}}
	tx(t, s, func(tx store.Tx) error { return tx.CreateCampaign(ctx, other) })
	if n, _ := walkAll(t, s, other, "", 10); n != len(audienceAll) {
		t.Fatalf("k2 walked %d", n)
	}

	tx(t, s, func(tx store.Tx) error {
		return decideIn(ctx, tx, []store.Decision{
			{MessageID: "k1:c1", Status: message.Skipped, Reason: "suppressed"},
			{MessageID: "k1:c2", Status: message.Skipped, Reason: "suppressed"},
			{MessageID: "k1:c4", Status: message.Sending, ConsentEventID: "e"},
			{MessageID: "k1:c6", Status: message.Sending, ConsentEventID: "e"},
			{MessageID: "k2:c1", Status: message.Sending, ConsentEventID: "e"},
		}, t0)
	})
	tx(t, s, func(tx store.Tx) error {
		return tx.RecordResults(ctx, []store.Result{{MessageID: "k1:c4", Status: message.Failed, Code: 131049, Title: "ecosystem"}}, t0, 5)
	})
	counts := func(id string) []store.Count {
		t.Helper()
		cs, err := s.CampaignCounts(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(cs, func(a, b store.Count) int {
			return cmp.Or(cmp.Compare(a.Status, b.Status), cmp.Compare(a.Reason, b.Reason))
		})
		return cs
	}
	want := []store.Count{
		{Status: message.Failed, Reason: "ecosystem", N: 1},
		{Status: message.Queued, N: 1},
		{Status: message.Sending, N: 1},
		{Status: message.Skipped, Reason: "suppressed", N: 2},
	}
	if diff := gocmp.Diff(want, counts("k1")); diff != "" {
		t.Errorf("CampaignCounts (-want +got):\n%s", diff)
	}

	// A crash left c6 in sending: it may have left, so it becomes
	// unknown and is never re-sent (reference §6).
	tx(t, s, func(tx store.Tx) error {
		n, err := tx.AbandonDispatching(ctx, "k1", t0.Add(time.Minute))
		if n != 1 {
			t.Errorf("AbandonDispatching = %d, want 1", n)
		}
		return err
	})
	tx(t, s, func(tx store.Tx) error {
		n, err := tx.SkipQueued(ctx, "k1", "cancelled", t0.Add(time.Minute))
		if n != 1 {
			t.Errorf("SkipQueued = %d, want 1", n)
		}
		return err
	})
	want = []store.Count{
		{Status: message.Failed, Reason: "ecosystem", N: 1},
		{Status: message.Skipped, Reason: "cancelled", N: 1},
		{Status: message.Skipped, Reason: "suppressed", N: 2},
		{Status: message.Unknown, N: 1}, // its note is not a reason
	}
	if diff := gocmp.Diff(want, counts("k1")); diff != "" {
		t.Errorf("CampaignCounts after skip and abandon (-want +got):\n%s", diff)
	}
	if m, _ := s.Message(ctx, "k1:c6"); m.Status != message.Unknown {
		t.Errorf("abandoned message = %+v, want unknown", m)
	}
	if m, _ := s.Message(ctx, "k1:c7"); m.Status != message.Skipped || m.ErrorTitle != "cancelled" {
		t.Errorf("skipped message = %+v, want skipped, cancelled", m)
	}
	// Nothing left to move.
	tx(t, s, func(tx store.Tx) error {
		n1, err := tx.AbandonDispatching(ctx, "k1", t0.Add(2*time.Minute))
		if err != nil {
			return err
		}
		n2, err := tx.SkipQueued(ctx, "k1", "cancelled", t0.Add(2*time.Minute))
		if n1 != 0 || n2 != 0 {
			t.Errorf("second AbandonDispatching, SkipQueued = %d, %d; want 0, 0", n1, n2)
		}
		return err
	})
	// The other campaign is untouched: one sending, four queued.
	want = []store.Count{{Status: message.Queued, N: 4}, {Status: message.Sending, N: 1}}
	if diff := gocmp.Diff(want, counts("k2")); diff != "" {
		t.Errorf("CampaignCounts of the other campaign (-want +got):\n%s", diff)
	}
	if cs := counts("nope"); len(cs) != 0 {
		t.Errorf("CampaignCounts of an unknown campaign = %v", cs)
	}
	// By the recipient's language (c4 speaks English), what was not skipped.
	for id, want := range map[string]map[string]int64{"k1": {"en": 1, "nb": 1}, "k2": {"en": 1, "nb": 4}, "nope": {}} {
		if got, err := s.CampaignLanguages(ctx, id); err != nil || !maps.Equal(got, want) {
			t.Errorf("CampaignLanguages(%s) = %v, %v; want %v", id, got, err, want)
		}
	}
}

// A batch is written in pieces on SQLite (64 rows a statement): one of
// 150 spans three, the last part full of padding.
func exerciseLongBatches(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	c := campaign.Campaign{ID: "k9", Purpose: "offers"}
	const n = 150
	ds := make([]store.Decision, n)
	var rs []store.Result
	var us []store.StatusUpdate
	tx(t, s, func(tx store.Tx) error {
		for i := range n {
			id := fmt.Sprintf("b%03d", i)
			if err := tx.CreateContact(ctx, contact.Contact{ID: id, PhoneCT: []byte("sealed"), KeyWrapped: []byte("wrapped"),
				BlindIndex: []byte("batch" + id), Region: "NO", Mobile: true, Language: "nb", CreatedAt: t0}); err != nil {
				return err
			}
			mid := msgID(c.ID, id)
			if i%3 == 0 {
				ds[i] = store.Decision{MessageID: mid, ContactID: id, Status: message.Skipped, Reason: "withdrawn"}
				continue
			}
			ds[i] = store.Decision{MessageID: mid, ContactID: id, Status: message.Sending, ConsentEventID: "e-" + id}
			if i%3 == 1 {
				rs = append(rs, store.Result{MessageID: mid, Status: message.Sent, WAMID: "wamid." + id})
				us = append(us, store.StatusUpdate{ID: mid, WAMID: "wamid." + id, Status: message.Delivered})
			} else {
				rs = append(rs, store.Result{MessageID: mid, Status: message.Failed, Code: 131026, Title: "undeliverable " + id})
			}
		}
		ids, err := tx.DecideMessages(ctx, c, ds, t0)
		if len(ids) != n {
			t.Errorf("DecideMessages recorded %d of %d", len(ids), n)
		}
		return err
	})
	tx(t, s, func(tx store.Tx) error { return tx.RecordResults(ctx, rs, t0.Add(time.Second), 5) })
	tx(t, s, func(tx store.Tx) error {
		applied, err := tx.ApplyStatuses(ctx, us, t0.Add(2*time.Second))
		if got := len(slices.DeleteFunc(applied, func(ok bool) bool { return !ok })); got != len(us) {
			t.Errorf("ApplyStatuses applied %d of %d", got, len(us))
		}
		return err
	})
	for i := range n {
		id := fmt.Sprintf("b%03d", i)
		m, err := s.Message(ctx, msgID(c.ID, id))
		if err != nil {
			t.Fatal(err)
		}
		var want message.Message
		switch i % 3 {
		case 0:
			want = message.Message{Status: message.Skipped, ErrorTitle: "withdrawn"}
		case 1:
			want = message.Message{Status: message.Delivered, WAMID: "wamid." + id, ConsentEventID: "e-" + id}
		default:
			want = message.Message{Status: message.Failed, ErrorCode: 131026, ErrorTitle: "undeliverable " + id, ConsentEventID: "e-" + id}
		}
		got := message.Message{Status: m.Status, WAMID: m.WAMID, ErrorCode: m.ErrorCode, ErrorTitle: m.ErrorTitle, ConsentEventID: m.ConsentEventID}
		if got != want {
			t.Errorf("message %d = %+v, want %+v", i, got, want)
		}
	}
}
