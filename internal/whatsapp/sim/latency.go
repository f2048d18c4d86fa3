// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// Latency is an answer-time distribution: log-normal, fitted to its median
// and its 99th percentile. The platform answers a send in roughly 100-500 ms,
// many requests at once; Latency{Median: 250 * time.Millisecond, P99: 600 *
// time.Millisecond} is a plausible fit (σ = ln(P99/Median)/z₀.₉₉ ≈ 0.38). The
// zero value is no latency: answers at once. P99 zero (or equal to Median)
// means every answer takes exactly Median, without jitter.
type Latency struct {
	// Median is the 50th percentile of the answer time.
	Median time.Duration `json:"median"`
	// P99 is the 99th percentile; 0 means Median.
	P99 time.Duration `json:"p99"`
}

// latencyCapFactor caps a draw at this many times P99, so that a wide
// distribution never draws an answer time beyond any client's patience.
const latencyCapFactor = 10

// ErrLatency is returned for an unusable Latency.
var ErrLatency = errors.New("sim: invalid latency")

// z99 is the standard normal quantile of 0.99.
var z99 = math.Sqrt2 * math.Erfinv(2*0.99-1)

// IsZero reports whether l is no latency at all.
func (l Latency) IsZero() bool { return l.Median == 0 && l.P99 == 0 }

// Validate checks that Median is positive and P99, when set, not below it.
func (l Latency) Validate() error {
	switch {
	case l.IsZero():
		return nil
	case l.Median <= 0 || l.P99 < 0:
		return fmt.Errorf("%w: the median must be positive and the p99 not negative", ErrLatency)
	case l.P99 != 0 && l.P99 < l.Median:
		return fmt.Errorf("%w: the p99 (%v) is below the median (%v)", ErrLatency, l.P99, l.Median)
	}
	return nil
}

// Sigma is the log-normal's σ: ln(P99/Median) / z₀.₉₉.
func (l Latency) Sigma() float64 {
	if l.P99 <= l.Median || l.Median <= 0 {
		return 0
	}
	return math.Log(float64(l.P99)/float64(l.Median)) / z99
}

// Quantile is the distribution's q-quantile (0 < q < 1), before the cap at
// 10 × P99: Quantile(0.5) is Median, Quantile(0.99) is P99.
func (l Latency) Quantile(q float64) time.Duration {
	if l.Median <= 0 || q <= 0 || q >= 1 {
		return 0
	}
	z := math.Sqrt2 * math.Erfinv(2*q-1)
	return time.Duration(float64(l.Median) * math.Exp(l.Sigma()*z))
}

// LatencySampler draws answer times from a Latency. It is safe for concurrent
// use and holds no lock while anyone waits: a draw is a few nanoseconds, the
// wait is the caller's own timer.
type LatencySampler struct {
	l        Latency
	logMed   float64
	sigma    float64
	capNanos float64

	mu  sync.Mutex
	rng *rand.Rand // nil: the runtime's per-thread source, lock-free
}

// NewLatencySampler returns a sampler of l. A seed other than 0 makes the
// sequence of draws reproducible (tests, benchmarks); 0 draws from the
// runtime's random source. A sampler of the zero Latency draws 0.
func NewLatencySampler(l Latency, seed uint64) (*LatencySampler, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	p99 := l.P99
	if p99 == 0 {
		p99 = l.Median
	}
	s := &LatencySampler{l: l, sigma: l.Sigma(), capNanos: float64(p99) * latencyCapFactor}
	if l.Median > 0 {
		s.logMed = math.Log(float64(l.Median))
	}
	if seed != 0 {
		s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	}
	return s, nil
}

// Latency returns the distribution s draws from.
func (s *LatencySampler) Latency() Latency { return s.l }

// Next draws one answer time. A nil sampler draws 0.
func (s *LatencySampler) Next() time.Duration {
	if s == nil {
		return 0
	}
	if s.sigma == 0 {
		return s.l.Median
	}
	var z float64
	if s.rng == nil {
		z = rand.NormFloat64()
	} else {
		s.mu.Lock()
		z = s.rng.NormFloat64()
		s.mu.Unlock()
	}
	ns := math.Exp(s.logMed + s.sigma*z)
	if ns > s.capNanos {
		ns = s.capNanos
	}
	return time.Duration(ns)
}
