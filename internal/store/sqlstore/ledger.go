// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"fmt"

	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
)

const eventColumns = `id, contact_id, seq, kind, purpose, channel, at, method, source, actor, valid_until,
	age_confirmed, evidence_digest, prev_hash, hash, evidence_ct`

type scanner interface{ Scan(dest ...any) error }

func scanEvent(row scanner) (store.StoredEvent, error) {
	var e store.StoredEvent
	var at, validUntil int64
	err := row.Scan(&e.ID, &e.ContactID, &e.Seq, &e.Kind, &e.Purpose, &e.Channel, &at, &e.Method, &e.Source,
		&e.Actor, &validUntil, &e.AgeConfirmed, &e.EvidenceDigest, &e.PrevHash, &e.Hash, &e.SealedEvidence)
	e.At, e.ValidUntil = fromMicro(at), fromMicro(validUntil)
	return e, err
}

func (r *reader) Events(ctx context.Context, contactID string) (es []store.StoredEvent, err error) {
	defer errorf("events", &err)
	rows, err := r.db.Query(ctx, `SELECT `+eventColumns+` FROM consent_events WHERE contact_id = $1 ORDER BY seq`, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, rows.Err()
}

func (r *reader) Event(ctx context.Context, id string) (e store.StoredEvent, err error) {
	defer errorf("event", &err)
	e, err = scanEvent(r.db.QueryRow(ctx, `SELECT `+eventColumns+` FROM consent_events WHERE id = $1`, id))
	return e, r.notFound(err)
}

func (r *reader) ScanChains(ctx context.Context, fn func(store.ChainItem) error) (err error) {
	defer errorf("scan chains", &err)
	// One ordered pass: each contact row, then its events. Orphan events (no
	// contact row) are reported by a second query.
	rows, err := r.db.Query(ctx, `SELECT c.id, c.head_seq, c.head_hash, k.wrapped, c.phone_ct, e.id, e.contact_id, e.seq, e.kind,
		e.purpose, e.channel, e.at, e.method, e.source, e.actor, e.valid_until, e.age_confirmed, e.evidence_digest,
		e.prev_hash, e.hash, e.evidence_ct
		FROM contacts c
		LEFT JOIN contact_keys k ON k.contact_id = c.id
		LEFT JOIN consent_events e ON e.contact_id = c.id
		ORDER BY c.id, e.seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	last := ""
	for rows.Next() {
		var cid string
		var head ledger.Head
		var wrapped, phone []byte
		var eid, econtact, kind, purpose, channel, method, source, actor *string
		var seq, at, validUntil *int64
		var age *bool
		var digest, prev, hash, sealed []byte
		if err := rows.Scan(&cid, &head.Seq, &head.Hash, &wrapped, &phone, &eid, &econtact, &seq, &kind, &purpose, &channel,
			&at, &method, &source, &actor, &validUntil, &age, &digest, &prev, &hash, &sealed); err != nil {
			return err
		}
		if cid != last {
			last = cid
			if err := fn(store.ChainItem{ContactID: cid, Head: head, KeyWrapped: wrapped, PhoneSealed: phone}); err != nil {
				return err
			}
		}
		if eid == nil {
			continue
		}
		e := store.StoredEvent{SealedEvidence: sealed}
		e.ID, e.ContactID, e.Seq, e.Kind = *eid, *econtact, *seq, ledger.Kind(*kind)
		e.Purpose, e.Channel, e.At, e.Method = *purpose, *channel, fromMicro(*at), *method
		e.Source, e.Actor, e.ValidUntil, e.AgeConfirmed = *source, *actor, fromMicro(*validUntil), *age
		e.EvidenceDigest, e.PrevHash, e.Hash = digest, prev, hash
		if err := fn(store.ChainItem{ContactID: cid, Event: &e}); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var orphan string
	err = r.db.QueryRow(ctx, `SELECT e.id FROM consent_events e LEFT JOIN contacts c ON c.id = e.contact_id
		WHERE c.id IS NULL LIMIT 1`).Scan(&orphan)
	if err == nil {
		return &ledger.Fault{EventID: orphan, Problem: "event belongs to no contact (the contact row was removed)"}
	}
	return r.notFoundIsNil(err)
}

func (r *reader) notFoundIsNil(err error) error {
	if err != nil && r.b.IsNoRows(err) {
		return nil
	}
	return err
}

func (t *tx) AppendEvent(ctx context.Context, e ledger.Event, sealedEvidence []byte) (err error) {
	defer errorf("append event", &err)
	args := []any{e.ID, e.ContactID, e.Seq, string(e.Kind), e.Purpose, e.Channel, micro(e.At), e.Method, e.Source, e.Actor,
		micro(e.ValidUntil), e.AgeConfirmed, e.EvidenceDigest, e.PrevHash, e.Hash, sealedEvidence}
	// The contact is locked by the caller, so its head cannot move
	// meanwhile; if the event does not follow it all the same, the head's
	// update changes no row and the transaction fails.
	op := fmt.Sprintf("ledger event seq %d after its contact's head", e.Seq)
	if t.b.WritingCTE {
		// One statement, held for the transaction's next one: a withdrawal
		// under load waits for each round trip (K-06).
		return t.conn.LaterOne(ctx, op, `WITH head AS (UPDATE contacts SET head_seq = $3, head_hash = $15 WHERE id = $2 AND head_seq = $3 - 1 RETURNING id)
			INSERT INTO consent_events (`+eventColumns+`)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16 FROM head`, args...)
	}
	if err := t.conn.LaterOne(ctx, op, `UPDATE contacts SET head_seq = $2, head_hash = $3 WHERE id = $1 AND head_seq = $4`,
		e.ContactID, e.Seq, e.Hash, e.Seq-1); err != nil {
		return err
	}
	_, err = t.db.Exec(ctx, `INSERT INTO consent_events (`+eventColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`, args...)
	return t.conflict(err)
}
