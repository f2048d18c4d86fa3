// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
)

// CheckpointLag is how far before now a checkpoint's time lies: every event
// stamped by then has committed when the chains are read (an append
// commits within moments of taking its time), so a later verification finds
// the same heads as of that time.
const CheckpointLag = time.Minute

// Checkpoint signs the chains as of CheckpointLag ago (L-02, invariant 3):
// the number of contacts with events by then, their events, and a root over
// each one's head as of that time, signed with the master key's checkpoint
// key. It stores the checkpoint, and writes it as a JSON file (0600) to
// Config.CheckpointDir when set, the witness outside the database.
//
// It signs the access log's head too, as read when it starts (invariant
// 6): entries are sealed in the order they commit, so the head names every
// entry before it.
func (a *App) Checkpoint(ctx context.Context) (ledger.Checkpoint, error) {
	t := a.now().Add(-CheckpointLag)
	_, accessHead, err := a.store.AccessLogEnds(ctx)
	if err != nil {
		return ledger.Checkpoint{}, err
	}
	var heads []ledger.CheckpointHead
	asOf := ledger.AsOf{T: t}
	current := ""
	flush := func() {
		if current != "" {
			heads = append(heads, ledger.CheckpointHead{ContactID: current, Head: asOf.Head()})
		}
	}
	err = a.store.ScanChains(ctx, func(it store.ChainItem) error {
		if it.Event == nil {
			flush()
			current = it.ContactID
			asOf.Reset()
			return nil
		}
		asOf.Add(it.Event.Event)
		return nil
	})
	if err != nil {
		return ledger.Checkpoint{}, err
	}
	flush()
	cp := ledger.NewCheckpoint(t, heads, ledger.AccessHead{Seq: accessHead.Seq, Hash: accessHead.Hash}, a.vault.CheckpointKey())
	if err := a.store.Tx(ctx, func(tx store.Tx) error { return tx.AddCheckpoint(ctx, cp) }); err != nil {
		return cp, err
	}
	if a.cfg.CheckpointDir != "" {
		if err := writeCheckpoint(a.cfg.CheckpointDir, cp); err != nil {
			return cp, err
		}
	}
	if a.cfg.CheckpointURL != "" {
		if err := sendCheckpoint(ctx, a.cfg.CheckpointURL, cp); err != nil {
			return cp, err
		}
	}
	return cp, nil
}

// sendCheckpoint POSTs cp (without its heads) as JSON to an outside
// witness, which must answer 2xx within ten seconds.
func sendCheckpoint(ctx context.Context, url string, cp ledger.Checkpoint) error {
	b, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("checkpoint witness: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("checkpoint witness: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("checkpoint witness: answered %s", res.Status)
	}
	return nil
}

// writeCheckpoint writes cp (without its heads) as a new file in dir, 0600.
func writeCheckpoint(dir string, cp ledger.Checkpoint) error {
	b, err := json.MarshalIndent(cp, "", "  ")
	if err != nil {
		return err
	}
	name := filepath.Join(dir, "checkpoint-"+cp.At.UTC().Format("20060102T150405.000000Z")+".json")
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("checkpoint file: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("checkpoint file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("checkpoint file: %w", err)
	}
	return f.Close()
}

// checkpointCheck compares the chains, as VerifyLedger streams them, with
// the newest checkpoint; nil when there is none yet.
type checkpointCheck struct {
	cp      ledger.Checkpoint
	check   *ledger.CheckpointCheck
	asOf    ledger.AsOf
	current string
}

func (a *App) newCheckpointCheck(ctx context.Context, rep *VerifyReport) (*checkpointCheck, error) {
	pub := a.vault.CheckpointKey().Public().(ed25519.PublicKey)
	witness, err := a.newestWitness()
	if err != nil {
		return nil, err
	}
	cp, err := a.store.LatestCheckpoint(ctx)
	if errors.Is(err, store.ErrNotFound) {
		if witness != nil {
			return nil, ledger.Witnessed(ledger.Checkpoint{}, *witness)
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := cp.CheckSignature(a.checkpointKey(cp, pub)); err != nil {
		return nil, err
	}
	if witness != nil {
		if err := ledger.Witnessed(cp, *witness); err != nil {
			return nil, err
		}
	}
	rep.Checkpoint = cp.At
	return &checkpointCheck{cp: cp, check: ledger.NewCheckpointCheck(cp), asOf: ledger.AsOf{T: cp.At}}, nil
}

// newestWitness reads the newest checkpoint file of Config.CheckpointDir,
// its signature checked; nil when none is set or written yet.
func (a *App) newestWitness() (*ledger.Checkpoint, error) {
	if a.cfg.CheckpointDir == "" {
		return nil, nil
	}
	names, err := filepath.Glob(filepath.Join(a.cfg.CheckpointDir, "checkpoint-*.json"))
	if err != nil || len(names) == 0 {
		return nil, err
	}
	slices.Sort(names) // the names sort by time
	newest := names[len(names)-1]
	b, err := os.ReadFile(newest)
	if err != nil {
		return nil, fmt.Errorf("checkpoint witness: %w", err)
	}
	var cp ledger.Checkpoint
	if err := json.Unmarshal(b, &cp); err != nil {
		return nil, &ledger.Fault{Problem: "checkpoint witness " + filepath.Base(newest) + " is not valid JSON"}
	}
	if err := cp.VerifySignature(a.checkpointKey(cp, a.vault.CheckpointKey().Public().(ed25519.PublicKey))); err != nil {
		return nil, err
	}
	return &cp, nil
}

// checkpointKey is the key a checkpoint is checked with: the one it names
// when a recorded master key's (an older key's, after a rotation: S-01),
// else the active key's, which then refuses it.
func (a *App) checkpointKey(cp ledger.Checkpoint, active ed25519.PublicKey) ed25519.PublicKey {
	if p, ok := a.vault.PublishedKey(cp.PublicKey); ok && p.Checkpoint.Equal(ed25519.PublicKey(cp.PublicKey)) {
		return p.Checkpoint
	}
	return active
}

// begin finishes the current contact and starts contactID.
func (c *checkpointCheck) begin(contactID string) error {
	if c == nil {
		return nil
	}
	if c.current != "" {
		if err := c.check.Add(c.current, c.asOf.Head()); err != nil {
			return err
		}
	}
	c.current = contactID
	c.asOf.Reset()
	return nil
}

func (c *checkpointCheck) add(e ledger.Event) {
	if c != nil {
		c.asOf.Add(e)
	}
}

// accessHead is the access log's head the checkpoint signed; zero when
// there is no checkpoint, or it was made before it signed one.
func (c *checkpointCheck) accessHead() ledger.AccessHead {
	if c == nil {
		return ledger.AccessHead{}
	}
	return c.cp.Access
}

func (c *checkpointCheck) close() error {
	if c == nil {
		return nil
	}
	if err := c.begin(""); err != nil {
		return err
	}
	return c.check.Close()
}
