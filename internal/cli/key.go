// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/config"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/vault"
)

// unlock loads the master keys and checks them against the key table the
// database keeps (invariant 10: the data is only ever read with the key it
// was written with; S-01). A new key is made only when mayCreate is set and
// the database holds nothing sealed; a database from before fingerprints
// gets one once a sample of its data opens with the key. During a rotation
// the process holds two keys (the active and the retiring, or the active
// and the next, staged); the key table says which is which.
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
	v, created, err := loadVault(cfg, mayCreate && empty)
	if errors.Is(err, vault.ErrNoKey) && !empty {
		return nil, false, fmt.Errorf("the master key is missing, but the database holds data sealed under one%s: "+
			"restore master.key from your backup into %s, or set SAMTYKKE_MASTER_KEY (a new key would make that data unreadable)",
			described(recorded), cfg.DataDir)
	}
	if err != nil {
		return nil, false, err
	}
	keys, err := st.Keys(ctx)
	if err != nil {
		return nil, false, err
	}
	if len(keys) > 0 {
		if err := v.Apply(nil, app.KeyRecords(keys)); err != nil {
			if errors.Is(err, vault.ErrActiveMissing) {
				var active []byte
				for _, k := range keys {
					if k.Role == vault.RoleActive {
						active = k.Fingerprint
					}
				}
				return nil, false, fmt.Errorf("the master key (fingerprint %s) is not the key this database was written with%s: "+
					"restore the right master.key or SAMTYKKE_MASTER_KEY (during a rotation, give the new key as well); nothing was changed",
					fingerprints(v), described(active))
			}
			return nil, false, err
		}
		return v, created, nil
	}
	if len(v.Loaded()) > 1 {
		return nil, false, errors.New("several master keys are given but the database records none: give one")
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

// provider is where the master keys come from (S-01): SAMTYKKE_MASTER_KEY's
// value, the file SAMTYKKE_MASTER_KEY_FILE names (read again at every
// refresh, so a key added there is seen without a restart), or master.key
// in the data folder. Each may hold several keys, one a line, during a
// rotation.
func provider(cfg config.Config) vault.Provider {
	switch {
	case cfg.MasterKeyFile != "":
		return vault.File{Path: cfg.MasterKeyFile}
	case cfg.MasterKey != "":
		return vault.Value(cfg.MasterKey)
	}
	return vault.File{Path: filepath.Join(cfg.DataDir, "master.key")}
}

// loadVault reads the master keys: from the provider, or, when there are
// none yet and it may, a new key file in the data folder.
func loadVault(cfg config.Config, mayCreate bool) (*vault.Vault, bool, error) {
	if cfg.MasterKeyFile != "" {
		masters, err := provider(cfg).MasterKeys(context.Background())
		if err != nil {
			return nil, false, err
		}
		v, err := vault.NewRing(masters)
		return v, false, err
	}
	return vault.Load(cfg.DataDir, cfg.MasterKey, mayCreate)
}

// fingerprints are the given keys' fingerprints, for an error.
func fingerprints(v *vault.Vault) string {
	var out []string
	for _, l := range v.Loaded() {
		out = append(out, short(l.Fingerprint))
	}
	return strings.Join(out, ", ")
}

func short(fp []byte) string { return hex.EncodeToString(fp[:min(len(fp), 6)]) }

func described(fp []byte) string {
	if fp == nil {
		return ""
	}
	return " (fingerprint " + short(fp) + ")"
}
