// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/store"
)

// The access log is one hash chain (invariant 6): RecordAccess writes an
// entry, and the transaction seals its entries (seal) just before it
// commits, taking the head's row lock for no longer than its commit.

const accessColumns = `id, at, actor, action, contact_id, reason, request_id, scope, row_count, outcome, refers`

// accessRead reads an entry with its chain fields; an entry of the
// transaction itself is not sealed yet (seq 0).
const accessRead = accessColumns + `, COALESCE(seq, 0), prev_hash, hash`

func scanAccess(row scanner) (access.Entry, error) {
	var e access.Entry
	var at int64
	err := row.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.ContactID, &e.Reason, &e.RequestID, &e.Scope, &e.Rows, &e.Outcome,
		&e.Refers, &e.Seq, &e.PrevHash, &e.Hash)
	e.At = fromMicro(at)
	return e, err
}

func (r *reader) Accesses(ctx context.Context, contactID string) (es []access.Entry, err error) {
	defer errorf("accesses", &err)
	return r.accesses(ctx, `SELECT `+accessRead+` FROM access_log WHERE contact_id = $1 ORDER BY at, id`, contactID)
}

func (r *reader) ExportLog(ctx context.Context, limit int) (es []access.Entry, err error) {
	defer errorf("export log", &err)
	// An export's end is an entry of its own since migration 0025; before
	// it, the export's entry itself was finished.
	rows, err := r.db.Query(ctx, `SELECT s.id, s.at, s.actor, s.action, s.contact_id, s.reason, s.request_id, s.scope,
		COALESCE(e.row_count, s.row_count), COALESCE(e.outcome, s.outcome)
		FROM access_log s LEFT JOIN access_log e ON e.action = 'export_end' AND e.refers = s.id
		WHERE s.action = 'export' ORDER BY s.at DESC, s.id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e access.Entry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.ContactID, &e.Reason, &e.RequestID, &e.Scope, &e.Rows, &e.Outcome); err != nil {
			return nil, err
		}
		e.At = fromMicro(at)
		es = append(es, e)
	}
	return es, rows.Err()
}

func (r *reader) accesses(ctx context.Context, query string, args ...any) (es []access.Entry, err error) {
	rows, err := r.db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAccess(rows)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, rows.Err()
}

func (r *reader) AccessLogEnds(ctx context.Context) (anchor access.Anchor, head access.Head, err error) {
	defer errorf("access chain ends", &err)
	var aseq *int64
	var ahash []byte
	var aat *int64
	err = r.db.QueryRow(ctx, `SELECT h.seq, h.hash, a.seq, a.hash, a.at FROM access_head h
		LEFT JOIN (SELECT seq, hash, at FROM access_anchors ORDER BY seq DESC LIMIT 1) a ON 1 = 1
		WHERE h.id = 1`).Scan(&head.Seq, &head.Hash, &aseq, &ahash, &aat)
	if err != nil {
		return anchor, head, r.notFound(err)
	}
	if aseq != nil {
		anchor = access.Anchor{Head: access.Head{Seq: *aseq, Hash: ahash}, At: fromMicro(*aat)}
	}
	return anchor, head, nil
}

func (r *reader) ScanAccessLog(ctx context.Context, after, upTo int64, fn func(access.Entry) error) (err error) {
	defer errorf("scan access log", &err)
	rows, err := r.db.Query(ctx, `SELECT `+accessRead+` FROM access_log WHERE seq > $1 AND seq <= $2 ORDER BY seq`, after, upTo)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAccess(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	// Every transaction seals its entries before it commits: a committed
	// entry outside the chain was written beneath the store. (An entry with
	// a seq but no hash is in the chain's range, or after the head; sealing
	// sets both at once.)
	var id string
	err = r.db.QueryRow(ctx, `SELECT id FROM access_log WHERE seq IS NULL LIMIT 1`).Scan(&id)
	if err == nil {
		return &access.Fault{EntryID: id, Problem: "entry is outside the chain (it was written beneath the store)"}
	}
	return r.notFoundIsNil(err)
}

func (t *tx) RecordAccess(ctx context.Context, e access.Entry) (err error) {
	defer errorf("record access", &err)
	err = t.conn.Later(ctx, "record access", `INSERT INTO access_log (`+accessColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, e.ID, micro(e.At), e.Actor, string(e.Action), e.ContactID, e.Reason,
		e.RequestID, e.Scope, e.Rows, string(e.Outcome), e.Refers)
	if err == nil {
		t.accesses = append(t.accesses, e)
	}
	return err
}

func (t *tx) FinishExport(ctx context.Context, end access.Entry) (err error) {
	defer errorf("finish export "+end.Refers, &err)
	if end.Action != access.ExportEnd || end.Refers == "" {
		return fmt.Errorf("%w: an export's end is an %s entry naming the export", store.ErrConflict, access.ExportEnd)
	}
	var n int64
	err = t.db.QueryRow(ctx, `SELECT count(*) FROM access_log s WHERE s.id = $1 AND s.action = 'export' AND s.outcome = $2
		AND NOT EXISTS (SELECT 1 FROM access_log e WHERE e.action = 'export_end' AND e.refers = s.id)`,
		end.Refers, string(access.Started)).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: no export %s still started", store.ErrNotFound, end.Refers)
	}
	return t.RecordAccess(ctx, end)
}

// seal places the transaction's entries at the end of the chain, in the
// order they were recorded: it moves the head on by their number, which
// holds the head's row until the commit (replicas seal one after another),
// and sends the entries' chain fields and the head's hash with the commit.
func (t *tx) seal(ctx context.Context) (err error) {
	if len(t.accesses) == 0 {
		return nil
	}
	defer errorf("seal access log", &err)
	n := int64(len(t.accesses))
	var head access.Head
	if err := t.db.QueryRow(ctx, `UPDATE access_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash`, n).
		Scan(&head.Seq, &head.Hash); err != nil {
		return err
	}
	head.Seq -= n
	for _, e := range t.accesses {
		e = access.Next(head, e)
		if err := t.conn.Later(ctx, "seal access", `UPDATE access_log SET seq = $2, prev_hash = $3, hash = $4 WHERE id = $1`,
			e.ID, e.Seq, e.PrevHash, e.Hash); err != nil {
			return err
		}
		head = access.Head{Seq: e.Seq, Hash: e.Hash}
	}
	t.accesses = nil
	return t.conn.Later(ctx, "seal access head", `UPDATE access_head SET hash = $1 WHERE id = 1`, head.Hash)
}

func (t *tx) PruneAccessLog(ctx context.Context, before, now time.Time, limit int) (n int64, err error) {
	defer errorf("prune access log", &err)
	anchor, _, err := t.AccessLogEnds(ctx)
	if err != nil {
		return 0, err
	}
	rows, err := t.db.Query(ctx, `SELECT seq, at, hash FROM access_log WHERE seq > $1 ORDER BY seq LIMIT $2`, anchor.Seq, limit)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var seqs []int64
	var ats []time.Time
	var hashes [][]byte
	for rows.Next() {
		var seq, at int64
		var hash []byte
		if err := rows.Scan(&seq, &at, &hash); err != nil {
			return 0, err
		}
		seqs, ats, hashes = append(seqs, seq), append(ats, fromMicro(at)), append(hashes, hash)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	rows.Close()
	k := access.Prunable(ats, before)
	if k == 0 {
		return 0, nil
	}
	if seqs[k-1] != anchor.Seq+int64(k) {
		return 0, &access.Fault{Seq: anchor.Seq + 1, Problem: "the chain has a gap after its anchor; it is not pruned until verified"}
	}
	to := seqs[k-1]
	if _, err := t.db.Exec(ctx, `INSERT INTO access_anchors (seq, hash, at) VALUES ($1, $2, $3)`, to, hashes[k-1], micro(now)); err != nil {
		return 0, t.conflict(err)
	}
	return t.db.Exec(ctx, `DELETE FROM access_log WHERE seq > $1 AND seq <= $2`, anchor.Seq, to)
}

// sealAccessLog is migration 0025's step: it seals the entries written
// before the chain, in the order of their times, as the chain's first.
func sealAccessLog(ctx context.Context, db DB) error {
	var head access.Head
	if err := db.QueryRow(ctx, `SELECT seq, hash FROM access_head WHERE id = 1`).Scan(&head.Seq, &head.Hash); err != nil {
		return err
	}
	afterAt, afterID := int64(-1), ""
	for {
		rows, err := db.Query(ctx, `SELECT `+accessRead+` FROM access_log WHERE hash IS NULL AND (at > $1 OR (at = $1 AND id > $2))
			ORDER BY at, id LIMIT 1000`, afterAt, afterID)
		if err != nil {
			return err
		}
		var page []access.Entry
		for rows.Next() {
			e, err := scanAccess(rows)
			if err != nil {
				rows.Close()
				return err
			}
			page = append(page, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			e = access.Next(head, e)
			if _, err := db.Exec(ctx, `UPDATE access_log SET seq = $2, prev_hash = $3, hash = $4 WHERE id = $1`,
				e.ID, e.Seq, e.PrevHash, e.Hash); err != nil {
				return err
			}
			head = access.Head{Seq: e.Seq, Hash: e.Hash}
		}
		last := page[len(page)-1]
		afterAt, afterID = micro(last.At), last.ID
	}
	_, err := db.Exec(ctx, `UPDATE access_head SET seq = $1, hash = $2 WHERE id = 1`, head.Seq, head.Hash)
	return err
}
