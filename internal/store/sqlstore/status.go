// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
)

// Status webhooks come by the thousand during a campaign (sent, delivered,
// read for every message): they are applied a batch at a time, in a few
// statements whatever the batch's size.

// sortedSet sorts and dedupes a list of keys.
func sortedSet(l []string) []string {
	slices.Sort(l)
	return slices.Compact(l)
}

// current is a message's delivery state while a batch is folded into it.
type current struct {
	id, wamid string
	contactID string
	status    message.Status
	code      int
	title     string
	changed   bool
	filled    bool // its wamid came from a status: it had none
}

func (t *tx) ApplyStatuses(ctx context.Context, us []store.StatusUpdate, at time.Time) (applied []bool, err error) {
	defer errorf("apply statuses", &err)
	applied = make([]bool, len(us))
	var ids, contacts, wamids []string
	for _, u := range us {
		if u.ID != "" {
			ids = append(ids, u.ID)
		} else if u.WAMID != "" && u.ContactID != "" {
			contacts, wamids = append(contacts, u.ContactID), append(wamids, u.WAMID)
		}
	}
	byID, byWAMID := map[string]*current{}, map[string]*current{}
	// In id order, locked: the same order as the dispatcher's updates. No
	// index holds the wamid (setting it would then cost an index write on
	// every message): a status without our id is looked for among the
	// messages of the recipient, by the contact index.
	type lookup struct {
		where string
		args  []any
	}
	var lookups []lookup
	if len(ids) > 0 {
		lookups = append(lookups, lookup{`id ` + t.b.InList("$1"), []any{t.b.ListArg(sortedSet(ids))}})
	}
	if len(wamids) > 0 {
		lookups = append(lookups, lookup{`contact_id ` + t.b.InList("$1") + ` AND wamid ` + t.b.InList("$2"),
			[]any{t.b.ListArg(sortedSet(contacts)), t.b.ListArg(sortedSet(wamids))}})
	}
	for _, q := range lookups {
		rows, err := t.db.Query(ctx, `SELECT id, contact_id, COALESCE(wamid, ''), status, error_code, error_title FROM messages
			WHERE `+q.where+` ORDER BY id`+t.b.ForUpdate, q.args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			c := &current{}
			var st string
			if err := rows.Scan(&c.id, &c.contactID, &c.wamid, &st, &c.code, &c.title); err != nil {
				rows.Close()
				return nil, err
			}
			c.status = message.Status(st)
			if prev, ok := byID[c.id]; ok {
				c = prev // found by both
			}
			byID[c.id] = c
			if c.wamid != "" {
				byWAMID[c.wamid] = c
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	// Fold the updates in the order they came, as ApplyStatus one by one would.
	var changed []*current
	reach := map[string]reachability{} // by contact, of the updates applied
	for i, u := range us {
		c := byID[u.ID]
		if u.ID == "" {
			if c = byWAMID[u.WAMID]; c != nil && c.contactID != u.ContactID {
				c = nil // another contact's message
			}
		}
		if c == nil || !message.Advance(c.status, u.Status) {
			continue
		}
		applied[i] = true
		switch r := reach[c.contactID]; {
		case u.Status == message.Failed && u.Undeliverable:
			r.more++
			reach[c.contactID] = r
		case u.Status == message.Delivered || u.Status == message.Read:
			reach[c.contactID] = reachability{reset: true}
		}
		c.status, c.code, c.title = u.Status, 0, ""
		if u.Status == message.Failed {
			c.code, c.title = u.Code, u.Title
		}
		if c.wamid == "" && u.WAMID != "" {
			c.wamid, c.filled = u.WAMID, true
			byWAMID[c.wamid] = c
		}
		if !c.changed {
			c.changed = true
			changed = append(changed, c)
		}
	}
	if len(changed) == 0 {
		return applied, nil
	}
	if err := t.countUndeliverable(ctx, reach); err != nil {
		return nil, err
	}
	if err := t.keepErasedUnlinked(ctx, changed); err != nil {
		return nil, err
	}
	slices.SortFunc(changed, func(a, b *current) int { return cmp.Compare(a.id, b.id) })
	if t.b.Arrays {
		n := len(changed)
		id, st, w, ti, co := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]int32, n)
		for i, c := range changed {
			id[i], st[i], w[i], ti[i], co[i] = c.id, string(c.status), c.wamid, c.title, int32(c.code)
		}
		_, err = t.db.Exec(ctx, `UPDATE messages m SET status = j.s, wamid = NULLIF(j.w, ''), error_code = j.c,
			error_title = j.t, updated_at = $6, unknown_since = 0
			FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[]) AS j(id, s, w, c, t)
			WHERE m.id = j.id`, id, st, w, co, ti, micro(at))
		return applied, t.conflict(err)
	}
	vals := make([]any, 0, 5*len(changed))
	for _, c := range changed {
		vals = append(vals, c.id, string(c.status), c.wamid, c.code, c.title)
	}
	return applied, t.conflict(inChunks([]any{micro(at)}, 5, vals, func(args []any) error {
		_, err := t.db.Exec(ctx, statusValues, args...)
		return err
	}))
}

// keepErasedUnlinked leaves without a wamid the messages of erased
// contacts that a status would give one: a wamid embeds the number, and
// erasure took it (invariant 5). Only a message that had no wamid is read,
// which is rare (an unknown outcome, or an erased contact's).
func (t *tx) keepErasedUnlinked(ctx context.Context, changed []*current) error {
	filled := map[string]*current{}
	var ids []string
	for _, c := range changed {
		if c.filled {
			filled[c.id] = c
			ids = append(ids, c.id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	erased, err := strings1(t.db.Query(ctx, `SELECT m.id FROM messages m JOIN contacts c ON c.id = m.contact_id
		WHERE m.id `+t.b.InList("$1")+` AND c.erased_at > 0`, t.b.ListArg(ids)))
	for _, id := range erased {
		filled[id].wamid = ""
	}
	return err
}

var statusValues = `UPDATE messages SET status = j.s, wamid = NULLIF(j.w, ''), error_code = j.c, error_title = j.t,
	updated_at = $1, unknown_since = 0
	FROM ` + valuesSource("id", "s", "w", "c", "t") + ` WHERE messages.id = j.id`

// reachability is what a batch of statuses says of a contact's number: more
// undeliverable failures, after a delivery (reset) or not.
type reachability struct {
	reset bool
	more  int
}

// countUndeliverable records a batch's reachability of each contact: those
// reset with no failure after are one statement, which the partial index
// contacts_undeliverable keeps to the few contacts above 0 (every batch of
// delivered statuses asks for it); each with failures is one of its own,
// which a campaign meets rarely.
func (t *tx) countUndeliverable(ctx context.Context, reach map[string]reachability) error {
	var reset []string
	ids := make([]string, 0, len(reach))
	for id := range reach {
		ids = append(ids, id)
	}
	slices.Sort(ids) // contacts locked in id order, as the dispatcher does
	for _, id := range ids {
		r := reach[id]
		switch {
		case r.more == 0:
			reset = append(reset, id)
		case r.reset:
			if _, err := t.db.Exec(ctx, `UPDATE contacts SET undeliverable = $2 WHERE id = $1`, id, r.more); err != nil {
				return err
			}
		default:
			if _, err := t.db.Exec(ctx, `UPDATE contacts SET undeliverable = undeliverable + $2 WHERE id = $1`, id, r.more); err != nil {
				return err
			}
		}
	}
	if len(reset) == 0 {
		return nil
	}
	_, err := t.db.Exec(ctx, `UPDATE contacts SET undeliverable = 0 WHERE undeliverable > 0 AND id `+t.b.InList("$1"),
		t.b.ListArg(reset))
	return err
}

func (t *tx) MarkReachable(ctx context.Context, blindIndex []byte) (err error) {
	defer errorf("mark reachable", &err)
	return t.conn.Later(ctx, "mark reachable", `UPDATE contacts SET undeliverable = 0 WHERE blind_index = $1 AND undeliverable > 0`,
		blindIndex)
}
