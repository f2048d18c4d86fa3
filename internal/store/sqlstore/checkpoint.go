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
	err = r.db.QueryRow(ctx, `SELECT at, contacts, events, root, public_key, signature, heads
		FROM ledger_checkpoints ORDER BY at DESC LIMIT 1`).Scan(&at, &cp.Contacts, &cp.Events, &cp.Root, &cp.PublicKey, &cp.Signature, &heads)
	if err != nil {
		return cp, r.notFound(err)
	}
	cp.At = fromMicro(at)
	cp.Heads, err = ledger.DecodeHeads(heads)
	return cp, err
}

func (t *tx) AddCheckpoint(ctx context.Context, cp ledger.Checkpoint) (err error) {
	defer errorf("add checkpoint", &err)
	_, err = t.db.Exec(ctx, `INSERT INTO ledger_checkpoints (at, contacts, events, root, public_key, signature, heads)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, micro(cp.At), cp.Contacts, cp.Events, cp.Root, cp.PublicKey, cp.Signature,
		ledger.EncodeHeads(cp.Heads))
	return err
}
