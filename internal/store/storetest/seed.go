// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/store"
)

// SeedContacts writes n contacts with an active consent to purpose beneath
// the store's API, a thousand a statement, for tests and benchmarks of
// scale: ids m000000000 on, numbers +4740000000 on, each sealed by seal
// (under the one data key that wrapped wraps), created at the time given.
// The ledger holds no events for them.
func SeedContacts(t testing.TB, b Backend, s store.Store, n int, purpose string, wrapped []byte,
	seal func(id, e164 string) []byte, created time.Time) {
	t.Helper()
	at := created.UnixMicro()
	const batch = 1000
	for from := 0; from < n; from += batch {
		var q strings.Builder
		q.WriteString(`INSERT INTO contacts (id, phone_ct, blind_index, region, mobile, language, restricted, created_at, erased_at, head_seq) VALUES `)
		var args []any
		for i := from; i < min(n, from+batch); i++ {
			id := fmt.Sprintf("m%09d", i)
			if i > from {
				q.WriteString(", ")
			}
			k := len(args)
			fmt.Fprintf(&q, "($%d, $%d, $%d, 'NO', true, 'nb', false, %d, 0, 0)", k+1, k+2, k+3, at)
			args = append(args, id, seal(id, fmt.Sprintf("+474%07d", i)), binary.BigEndian.AppendUint64([]byte("seed"), uint64(i)))
		}
		if err := b.Exec(t, s, q.String(), args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Exec(t, s, `INSERT INTO contact_keys (contact_id, wrapped) SELECT id, $1 FROM contacts WHERE id LIKE 'm%'`, wrapped); err != nil {
		t.Fatal(err)
	}
	if err := b.Exec(t, s, fmt.Sprintf(`INSERT INTO consent_states (contact_id, purpose, status, event_id, since, valid_until, age_ok, basis)
		SELECT id, $1, 'active', 'e-' || id, %d, 0, true, 'consent' FROM contacts WHERE id LIKE 'm%%'`, at), purpose); err != nil {
		t.Fatal(err)
	}
	if err := s.Analyze(context.Background()); err != nil {
		t.Fatal(err)
	}
}
