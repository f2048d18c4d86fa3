// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/config"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/vault"
)

// unlock loads the master key and checks it against the fingerprint the
// database keeps (invariant 10: the data is only ever read with the key it
// was written with). A new key is made only when mayCreate is set and the
// database holds nothing sealed; a database from before fingerprints gets
// one once a sample of its data opens with the key.
func unlock(ctx context.Context, cfg config.Config, st store.Store, mayCreate bool) (*vault.Vault, bool, error) {
	recorded, err := st.KeyFingerprint(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, false, err
	}
	sample, sealed, err := st.SealedSample(ctx)
	if err != nil {
		return nil, false, err
	}
	empty := recorded == nil && !sealed
	v, created, err := vault.Load(cfg.DataDir, cfg.MasterKey, mayCreate && empty)
	if errors.Is(err, vault.ErrNoKey) && !empty {
		return nil, false, fmt.Errorf("the master key is missing, but the database holds data sealed under one%s: "+
			"restore master.key from your backup into %s, or set SAMTYKKE_MASTER_KEY (a new key would make that data unreadable)",
			described(recorded), cfg.DataDir)
	}
	if err != nil {
		return nil, false, err
	}
	fp := v.Fingerprint()
	switch {
	case recorded != nil && !bytes.Equal(recorded, fp):
		return nil, false, fmt.Errorf("the master key (fingerprint %s) is not the key this database was written with%s: "+
			"restore the right master.key or SAMTYKKE_MASTER_KEY; nothing was changed", short(fp), described(recorded))
	case recorded == nil && sample != nil:
		if _, err := v.Unwrap(sample); err != nil {
			return nil, false, fmt.Errorf("the master key (fingerprint %s) does not open this database's data: "+
				"restore the right master.key or SAMTYKKE_MASTER_KEY; nothing was changed", short(fp))
		}
	}
	if recorded == nil {
		if !mayCreate {
			return v, created, nil // a command that only reads records nothing
		}
		if err := st.Tx(ctx, func(tx store.Tx) error { return tx.RecordKeyFingerprint(ctx, fp, time.Now()) }); err != nil {
			return nil, false, err
		}
		// Another replica may have recorded its own a moment ago: compare with what won.
		if won, err := st.KeyFingerprint(ctx); err != nil || !bytes.Equal(won, fp) {
			return nil, false, errors.Join(err, fmt.Errorf("the master key (fingerprint %s) is not the one another replica "+
				"recorded for this database%s", short(fp), described(won)))
		}
	}
	return v, created, nil
}

func short(fp []byte) string { return hex.EncodeToString(fp[:min(len(fp), 6)]) }

func described(fp []byte) string {
	if fp == nil {
		return ""
	}
	return " (fingerprint " + short(fp) + ")"
}
