// SPDX-License-Identifier: AGPL-3.0-only

package backup

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// JournalFile is the erasure journal's name in the data folder when
// SAMTYKKE_ERASURE_JOURNAL does not name another place.
const JournalFile = "erasures.jsonl"

// Erased is one line of the erasure journal: that a contact was erased, when
// and how, and the keyed token of its number when the token stays on the
// suppression list (RT-05). No number, no name: a contact id is a random
// id, and the token is an HMAC under a key derived from the master key.
type Erased struct {
	ContactID string    `json:"contact_id"`
	At        time.Time `json:"at"`
	// Method is the erasure's ledger method: request, retention or expiry.
	Method string `json:"method"`
	// Suppression is the hex of the number's suppression token when it was
	// kept; empty otherwise.
	Suppression string `json:"suppression,omitempty"`
}

// Token is the suppression token's bytes; nil when none was kept.
func (e Erased) Token() ([]byte, error) {
	if e.Suppression == "" {
		return nil, nil
	}
	return hex.DecodeString(e.Suppression)
}

// Journal is the append-only erasure journal: one JSON line per erasure,
// written and synced to disk before the erasure commits, outside the
// database, so that a restore of an older backup can erase again whoever
// was erased after it (S-03). A line for an erasure whose transaction then
// failed may remain: re-applying it erases a person whose erasure had been
// decided, never one who was not to be erased.
type Journal struct {
	mu   sync.Mutex
	path string
}

// NewJournal is the journal at path. Nothing is touched until the first
// erasure: then the file is made (0600, its folder 0700) if needed.
func NewJournal(path string) *Journal { return &Journal{path: path} }

// Path is where the journal is.
func (j *Journal) Path() string { return j.path }

// Append writes one erasure at the end of the journal and syncs it to disk.
func (j *Journal) Append(e Erased) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("erasure journal %s: %w", j.path, err)
		}
	}()
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(j.path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	return errors.Join(err, f.Sync(), f.Close())
}

// ReadJournal reads every erasure of a journal, in order. A last line
// without its newline is one whose write did not finish (its erasure did
// not commit) and is left out; any other line that does not parse is an
// error naming it.
func ReadJournal(r io.Reader) ([]Erased, error) {
	var out []Erased
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return out, nil // a torn last line, or none
		}
		if err != nil {
			return nil, fmt.Errorf("erasure journal: %w", err)
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var e Erased
		if err := json.Unmarshal(line, &e); err != nil || e.ContactID == "" || e.At.IsZero() {
			return nil, fmt.Errorf("erasure journal: line %d is not an erasure record", n)
		}
		if _, err := e.Token(); err != nil {
			return nil, fmt.Errorf("erasure journal: line %d: suppression token: %w", n, err)
		}
		out = append(out, e)
	}
}
