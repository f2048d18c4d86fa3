// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"context"
	"fmt"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/store"
)

// reader answers the read methods on a pool or a transaction.
type reader struct {
	db DB
	b  *Backend
}

// tx answers the write methods inside one transaction.
type tx struct {
	reader
	conn TxConn
	grew int // rows added to the tables a campaign fills
	// accesses are the access-log entries recorded, sealed into the chain
	// just before the commit (seal).
	accesses []access.Entry
}

// Tx runs fn in a transaction.
func (s *Store) Tx(ctx context.Context, fn func(store.Tx) error) (err error) {
	conn, err := s.b.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = conn.Rollback(context.WithoutCancel(ctx))
		}
	}()
	t := &tx{reader: reader{db: conn, b: &s.b}, conn: conn}
	if err := fn(t); err != nil {
		return err
	}
	if err := t.seal(ctx); err != nil {
		return err
	}
	done = true
	if err := conn.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.grew(t.grew)
	return nil
}

func (t *tx) LazyCommit(ctx context.Context) (err error) {
	defer errorf("lazy commit", &err)
	if t.b.LazyCommit == "" {
		return nil
	}
	err = t.conn.Later(ctx, "lazy commit", t.b.LazyCommit)
	return err
}
