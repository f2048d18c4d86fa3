// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"

	"github.com/samtykke/samtykke/internal/ledger"
)

func (r *reader) LatestCheckpoint(ctx context.Context) (cp ledger.Checkpoint, err error) {
	defer errorf("latest checkpoint", &err)
	var at int64
	var heads []byte
	// The newest checkpoint's heads are in ledger_checkpoint_heads (an older
	// row's own column holds them for a checkpoint made before that table);
	// none found decodes to no heads, which then fail the root check.
	err = r.db.QueryRow(ctx, `SELECT c.at, c.contacts, c.events, c.root, c.public_key, c.signature,
		COALESCE(h.heads, c.heads), c.access_seq, c.access_hash
		FROM ledger_checkpoints c LEFT JOIN ledger_checkpoint_heads h ON h.at = c.at
		ORDER BY c.at DESC LIMIT 1`).Scan(&at, &cp.Contacts, &cp.Events, &cp.Root, &cp.PublicKey, &cp.Signature, &heads,
		&cp.Access.Seq, &cp.Access.Hash)
	if err != nil {
		return cp, r.notFound(err)
	}
	cp.At = fromMicro(at)
	cp.Heads, err = ledger.DecodeHeads(heads)
	return cp, err
}

func (t *tx) AddCheckpoint(ctx context.Context, cp ledger.Checkpoint) (err error) {
	defer errorf("add checkpoint", &err)
	if _, err = t.db.Exec(ctx, `INSERT INTO ledger_checkpoints (at, contacts, events, root, public_key, signature, heads,
		access_seq, access_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, micro(cp.At), cp.Contacts, cp.Events, cp.Root,
		cp.PublicKey, cp.Signature, []byte{}, cp.Access.Seq, cp.Access.Hash); err != nil {
		return err
	}
	if _, err = t.db.Exec(ctx, `INSERT INTO ledger_checkpoint_heads (at, heads) VALUES ($1, $2)`, micro(cp.At),
		ledger.EncodeHeads(cp.Heads)); err != nil {
		return err
	}
	// Only the newest checkpoint's heads are kept: verification compares
	// with the newest alone.
	_, err = t.db.Exec(ctx, `DELETE FROM ledger_checkpoint_heads WHERE at <> $1`, micro(cp.At))
	return err
}
