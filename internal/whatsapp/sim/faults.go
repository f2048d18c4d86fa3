// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// Fault is an injected failure for POST /messages, the body of POST /_sim/faults.
//
//   - ErrorCode set, AfterAccept false: answer with that Graph error (§2.1), its
//     title and details from §2.2 and HTTPStatus or the code's status.
//   - ErrorCode set, AfterAccept true: answer 200 with a wamid, then emit a
//     "failed" status webhook with errors[] of that code (how 131026, 131049,
//     131050, 130472 and 132015 arrive, §2.2 notes).
//   - DropConnection: close the connection without an answer. With ErrorCode 0
//     the message is accepted first (recorded, statuses emitted) and only the
//     answer is lost, the ambiguous case of §6; with an ErrorCode nothing is accepted.
//   - DelayMS: wait that long before answering (alone: added latency).
type Fault struct {
	ErrorCode      int      `json:"error_code"`
	HTTPStatus     int      `json:"http_status,omitempty"`
	Details        string   `json:"details,omitempty"`
	Rate           *float64 `json:"rate,omitempty"`  // 0..1 per request; absent means 1
	Count          int      `json:"count,omitempty"` // fire this many times, then go away; 0 = unlimited
	DelayMS        int      `json:"delay_ms,omitempty"`
	DropConnection bool     `json:"drop_connection,omitempty"`
	AfterAccept    bool     `json:"after_accept,omitempty"`
	// To limits the fault to one recipient, in any spelling /_sim/inbound takes.
	To string `json:"to,omitempty"`
}

// ErrInvalidFault is returned for a fault that cannot be applied.
var ErrInvalidFault = errors.New("sim: invalid fault")

func (f *Fault) validate() error {
	if f.Rate != nil && (*f.Rate < 0 || *f.Rate > 1) {
		return fmt.Errorf("%w: rate must be within 0..1", ErrInvalidFault)
	}
	if f.Count < 0 || f.DelayMS < 0 {
		return fmt.Errorf("%w: count and delay_ms must not be negative", ErrInvalidFault)
	}
	if f.HTTPStatus != 0 && (f.HTTPStatus < 400 || f.HTTPStatus > 599) {
		return fmt.Errorf("%w: http_status must be 4xx or 5xx", ErrInvalidFault)
	}
	if f.AfterAccept && f.ErrorCode == 0 {
		return fmt.Errorf("%w: after_accept needs error_code", ErrInvalidFault)
	}
	if f.AfterAccept && f.DropConnection {
		return fmt.Errorf("%w: after_accept and drop_connection exclude each other", ErrInvalidFault)
	}
	if f.ErrorCode == 0 && !f.DropConnection && f.DelayMS == 0 {
		return fmt.Errorf("%w: set error_code, drop_connection or delay_ms", ErrInvalidFault)
	}
	return nil
}

type activeFault struct {
	Fault
	to        string // digits
	remaining int
}

// faults holds the injected faults. The send path checks an atomic count first
// and takes the lock only when faults exist.
type faults struct {
	n  atomic.Int32
	mu sync.Mutex
	l  []*activeFault
}

// add appends f, limited to the recipient to (a wa_id, or digits) when set.
func (fs *faults) add(f Fault, to string) error {
	if err := f.validate(); err != nil {
		return err
	}
	fs.mu.Lock()
	fs.l = append(fs.l, &activeFault{Fault: f, to: to, remaining: f.Count})
	fs.n.Store(int32(len(fs.l)))
	fs.mu.Unlock()
	return nil
}

func (fs *faults) clear() {
	fs.mu.Lock()
	fs.l = nil
	fs.n.Store(0)
	fs.mu.Unlock()
}

func (fs *faults) list() []Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]Fault, len(fs.l))
	for i, f := range fs.l {
		out[i] = f.Fault
		if f.Count > 0 {
			out[i].Count = f.remaining
		}
	}
	return out
}

// pick returns the first fault that fires for a request to waID, consuming one
// of its count.
func (fs *faults) pick(waID string) (Fault, bool) {
	if fs.n.Load() == 0 {
		return Fault{}, false
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.l {
		if f.to != "" && f.to != waID {
			continue
		}
		if f.Rate != nil && rand.Float64() >= *f.Rate {
			continue
		}
		if f.Count > 0 {
			f.remaining--
			if f.remaining <= 0 {
				fs.l = append(fs.l[:i], fs.l[i+1:]...)
				fs.n.Store(int32(len(fs.l)))
			}
		}
		return f.Fault, true
	}
	return Fault{}, false
}
