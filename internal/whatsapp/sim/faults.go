// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
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
//   - LatencyMS, LatencyP99MS: each request it fires on waits a draw of the
//     log-normal answer-time distribution with that median and 99th
//     percentile (see Latency; no p99: exactly LatencyMS), instead of
//     Config.Latency; DelayMS adds to it. Alone, with no Count or Rate, it
//     sets the answer time of every send until the faults are cleared.
type Fault struct {
	ErrorCode      int      `json:"error_code"`
	HTTPStatus     int      `json:"http_status,omitempty"`
	Details        string   `json:"details,omitempty"`
	Rate           *float64 `json:"rate,omitempty"`  // 0..1 per request; absent means 1
	Count          int      `json:"count,omitempty"` // fire this many times, then go away; 0 = unlimited
	DelayMS        int      `json:"delay_ms,omitempty"`
	LatencyMS      int      `json:"latency_ms,omitempty"`
	LatencyP99MS   int      `json:"latency_p99_ms,omitempty"`
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
	if f.Count < 0 || f.DelayMS < 0 || f.LatencyMS < 0 || f.LatencyP99MS < 0 {
		return fmt.Errorf("%w: count, delay_ms, latency_ms and latency_p99_ms must not be negative", ErrInvalidFault)
	}
	if f.LatencyP99MS != 0 && f.LatencyMS == 0 {
		return fmt.Errorf("%w: latency_p99_ms needs latency_ms, the median", ErrInvalidFault)
	}
	if f.LatencyP99MS != 0 && f.LatencyP99MS < f.LatencyMS {
		return fmt.Errorf("%w: latency_p99_ms must not be below latency_ms", ErrInvalidFault)
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
	if f.ErrorCode == 0 && !f.DropConnection && f.DelayMS == 0 && f.LatencyMS == 0 {
		return fmt.Errorf("%w: set error_code, drop_connection, delay_ms or latency_ms", ErrInvalidFault)
	}
	return nil
}

// latency is the fault's answer-time distribution.
func (f *Fault) latency() Latency {
	return Latency{Median: time.Duration(f.LatencyMS) * time.Millisecond, P99: time.Duration(f.LatencyP99MS) * time.Millisecond}
}

type activeFault struct {
	Fault
	to        string          // digits
	lat       *LatencySampler // nil unless LatencyMS is set
	remaining int
}

// faults holds the injected faults. The send path checks an atomic count first
// and takes the lock only when faults exist.
type faults struct {
	n  atomic.Int32
	mu sync.Mutex
	l  []*activeFault
}

// add appends f, limited to the recipient to (a wa_id, or digits) when set,
// with lat its latency sampler.
func (fs *faults) add(f Fault, to string, lat *LatencySampler) error {
	if err := f.validate(); err != nil {
		return err
	}
	fs.mu.Lock()
	fs.l = append(fs.l, &activeFault{Fault: f, to: to, lat: lat, remaining: f.Count})
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

// pick returns the first fault that fires for a request to waID, and its
// latency sampler, consuming one of its count. The lock is held only for the
// choice, never while a request waits.
func (fs *faults) pick(waID string) (Fault, *LatencySampler, bool) {
	if fs.n.Load() == 0 {
		return Fault{}, nil, false
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
		return f.Fault, f.lat, true
	}
	return Fault{}, nil, false
}
