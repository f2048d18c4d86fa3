// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// spellings are the ways a Norwegian number can sit in the database: E.164,
// its digits (the platform's wa_id), the national number, the national
// number spaced as people write it, and the digits in base64 at each of the
// three alignments, as a wamid carries them (sim/ids.go), in both alphabets.
// The base64 forms keep only the characters the digits alone decide.
func spellings(e164 string) map[string][]byte {
	digits := strings.TrimPrefix(e164, "+")
	national := strings.TrimPrefix(digits, "47")
	out := map[string][]byte{
		"E.164":    []byte(e164),
		"digits":   []byte(digits),
		"national": []byte(national),
		"spaced":   []byte(national[:3] + " " + national[3:5] + " " + national[5:]),
	}
	for pad := range 3 {
		raw := append(make([]byte, pad), digits...)
		// Characters of whole 3-byte groups that lie inside the digits.
		first, last := (pad+2)/3, (pad+len(digits))/3 // groups [first, last)
		for name, enc := range map[string]*base64.Encoding{"base64": base64.StdEncoding, "base64url": base64.URLEncoding} {
			s := enc.EncodeToString(raw)
			out[fmt.Sprintf("%s at offset %d", name, pad)] = []byte(s[first*4 : last*4])
		}
	}
	return out
}

// numberIn lists the spellings of e164 found in data.
func numberIn(data []byte, e164 string) []string {
	var found []string
	for name, s := range spellings(e164) {
		if bytes.Contains(data, s) {
			found = append(found, name)
		}
	}
	return found
}

// stored is everything the database holds, as far as a number could be in
// it: for SQLite the bytes of the database file, its write-ahead log and
// its shared-memory index; for PostgreSQL the value of every text, JSON,
// array and bytea column of every table of the test's schema, read by
// SELECT.
func (h *harness) stored() map[string][]byte {
	h.t.Helper()
	out := map[string][]byte{}
	if files := h.b.Files(h.t, h.store); files != nil {
		for _, f := range append(files, files[0]+"-shm") {
			data, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				h.t.Fatal(err)
			}
			out[f] = data
		}
		return out
	}
	pool := h.store.(interface{ Pool() *pgxpool.Pool }).Pool()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'ARRAY', 'bytea')
		ORDER BY table_name, column_name`)
	if err != nil {
		h.t.Fatal(err)
	}
	type column struct{ table, name, kind string }
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.table, &c.name, &c.kind); err != nil {
			h.t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) < 20 {
		h.t.Fatalf("found %d columns to read: the schema was not found", len(cols))
	}
	for _, c := range cols {
		expr := `"` + c.name + `"`
		if c.kind != "bytea" {
			expr = `convert_to(` + expr + `::text, 'UTF8')`
		}
		rows, err := pool.Query(ctx, `SELECT `+expr+` FROM "`+c.table+`" WHERE "`+c.name+`" IS NOT NULL`)
		if err != nil {
			h.t.Fatalf("read %s.%s: %v", c.table, c.name, err)
		}
		var all []byte
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				h.t.Fatal(err)
			}
			all = append(append(all, b...), 0)
		}
		rows.Close()
		out[c.table+"."+c.name] = all
	}
	return out
}

// TestErasureLeavesNoNumber: a person goes through every flow that stores
// something of them — a web opt-in confirmed from their WhatsApp (with a
// BSUID), a campaign message through the built-in simulator with its status
// webhooks, a web opt-out request, an access request on WhatsApp, then
// STOPP — and is erased. Before, the
// database holds their number in some spelling (so the scan can find it);
// after, in no spelling, neither in the SQLite file nor in its write-ahead
// log, nor in any column on PostgreSQL. A lookup by the number finds
// nothing; the suppression token stays, with its reason; the ledger still
// verifies; a task for Meta is recorded; and a later opt-in from the number
// makes a new contact whose history holds none of the erased one's (R-04,
// R-05, RT-05, C-11, L-05, invariant 5).
func TestErasureLeavesNoNumber(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startWith(t, b, func(s *sim.Config, _ *app.Config) { s.PairRateEvery = 0 })
		st := h.optIn(kari, "offers", "news")
		if _, err := h.sim.Inbound(sim.Inbound{From: kari, UserID: "NO.4455667788", Text: "JA " + st.Code}); err != nil {
			t.Fatal(err)
		}
		id := h.contactID(kari)
		if g := h.gate(id, "offers"); !g.Allowed {
			t.Fatalf("gate after confirmation = %+v", g)
		}
		c := h.offer()
		h.start(c)
		if v := h.finished(c); v.Counts["sent"]+v.Counts["delivered"]+v.Counts["read"] != 1 {
			t.Fatalf("campaign counts = %v; want the one message sent", v.Counts)
		}
		if err := h.app.RequestOptOut(h.ctx, app.OptOutRequest{Phone: "912 34 567", IP: "192.0.2.8"}); err != nil {
			t.Fatal(err)
		}
		h.write(kari, "INNSYN") // a rights request, answered on WhatsApp (T-04)
		h.write(kari, "STOPP")
		h.waitFor("the queue and the inbox to settle", func() bool {
			return h.count(`SELECT count(*) FROM messages WHERE status IN ('queued', 'sending')`)+
				h.count(`SELECT count(*) FROM webhook_inbox WHERE processed_at = 0`) == 0 &&
				h.count(`SELECT count(*) FROM messages WHERE kind = 'optout_confirmation'`) == 1
		})
		found := map[string][]string{}
		for where, data := range h.stored() {
			if s := numberIn(data, kari); len(s) > 0 {
				found[where] = s
			}
		}
		if len(found) == 0 {
			t.Fatal("before the erasure the number is in no spelling anywhere: the scan proves nothing")
		}
		t.Logf("before the erasure the number is in %d places (spellings only, no digits)", len(found))

		e, err := h.app.Erase(h.ctx, admin, id, "slettebegjæring 2026-17")
		if err != nil {
			t.Fatal(err)
		}
		if !e.SuppressionKept || e.ProcessorTaskID == "" || e.MessagesUnlinked < 3 || e.EventID == "" {
			t.Fatalf("erasure = %+v; want the token kept, a task for Meta, the messages unlinked", e)
		}
		for where, data := range h.stored() {
			if s := numberIn(data, kari); len(s) > 0 {
				t.Errorf("after the erasure %s holds the number as %v", where, s)
			}
		}

		// Nothing finds the contact by the number any more.
		if _, err := h.app.Lookup(h.ctx, admin, kari, "check after erasure"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("lookup after erasure: %v; want not found", err)
		}
		if _, err := h.app.Erase(h.ctx, admin, id, "slettebegjæring 2026-17"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("a second erasure: %v; want ErrConflict", err)
		}
		// RT-05: only the keyed token stays, with the reason it was kept.
		if n := h.count(`SELECT count(*) FROM suppressions WHERE kept LIKE 'RT-05:%'`); n != 1 {
			t.Fatalf("%d suppressions kept with a reason, want 1", n)
		}
		if n := h.count(`SELECT count(*) FROM processor_tasks WHERE contact_id = $1 AND done_at = 0`, id); n != 1 {
			t.Fatalf("%d open tasks for Meta, want 1", n)
		}
		if _, err := h.app.VerifyLedger(h.ctx); err != nil {
			t.Fatalf("ledger after erasure: %v", err)
		}
		hist, err := h.app.ConsentHistory(h.ctx, admin, id)
		if err != nil || hist.Events[len(hist.Events)-1].Kind != ledger.Erased {
			t.Fatalf("erased contact's history = %+v, %v; want it to end with the erasure", hist, err)
		}
		for _, ev := range hist.Events {
			if ev.Evidence != nil {
				t.Fatalf("event %s of the erased contact still opens its evidence", ev.ID)
			}
		}

		// The same number opting in again is a new person to samtykke.
		again := h.optIn(kari, "offers")
		h.write(kari, "JA "+again.Code)
		fresh := h.contactID(kari)
		if fresh == id {
			t.Fatal("the new opt-in found the erased contact")
		}
		if g := h.gate(fresh, "offers"); !g.Allowed {
			t.Fatalf("gate for the new contact = %+v; a consent confirmed after the objection counts", g)
		}
		newHist, err := h.app.ConsentHistory(h.ctx, admin, fresh)
		if err != nil {
			t.Fatal(err)
		}
		kinds := []ledger.Kind{}
		for _, ev := range newHist.Events {
			kinds = append(kinds, ev.Kind)
			if ev.ContactID != fresh {
				t.Fatalf("the new contact's history holds event %s of contact %s", ev.ID, ev.ContactID)
			}
		}
		if len(kinds) != 2 || kinds[0] != ledger.Requested || kinds[1] != ledger.Confirmed {
			t.Fatalf("the new contact's history = %v; want only its own request and confirmation", kinds)
		}
		if s, _ := h.store.ConsentState(h.ctx, id, "offers"); s.Status != consent.StatusErased {
			t.Fatalf("the erased contact's state = %+v", s)
		}
	})
}
