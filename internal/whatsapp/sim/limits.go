// SPDX-License-Identifier: AGPL-3.0-only

package sim

import (
	"hash/maphash"
	"sync"
	"time"
)

// gcra is an exact rate limiter (generic cell rate algorithm): one event per
// every, with bursts of up to burst events that borrow future quota. It is the
// token bucket of §3.1 (per number) and §3.2 (per recipient: "bursts … borrow
// future quota, a 20-message burst ≈ 2 min cool-down") in integer time, so
// boundaries such as "after exactly 6 s" hold.
type gcra struct {
	tat time.Time // theoretical arrival time of the next event
}

// take admits one event at now if the burst allows it.
func (g *gcra) take(now time.Time, every time.Duration, burst int) bool {
	tat := g.tat
	if tat.Before(now) {
		tat = now
	}
	if tat.Sub(now) > time.Duration(burst-1)*every {
		return false
	}
	g.tat = tat.Add(every)
	return true
}

// full reports whether the whole burst is available again at now.
func (g *gcra) full(now time.Time) bool { return !g.tat.After(now) }

// throughput is the per-number mps limiter (§3.1). The lock is held only for
// the arithmetic, never across I/O.
type throughput struct {
	mu    sync.Mutex
	g     gcra
	every time.Duration
	burst int
}

func newThroughput(mps int) *throughput {
	if mps <= 0 {
		return nil
	}
	return &throughput{every: time.Second / time.Duration(mps), burst: mps}
}

// allow takes one message slot; a nil limiter always allows.
func (t *throughput) allow(now time.Time) bool {
	if t == nil {
		return true
	}
	t.mu.Lock()
	ok := t.g.take(now, t.every, t.burst)
	t.mu.Unlock()
	return ok
}

func (t *throughput) reset() {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.g = gcra{}
	t.mu.Unlock()
}

// user is what the simulator remembers about one WhatsApp user (keyed by wa_id).
type user struct {
	pair         gcra      // pair rate limit (§3.2)
	lastInbound  time.Time // opens the 24 h customer service window (§1.7)
	stopped      bool      // user_preferences "stop" for marketing (§5.2)
	lastOutbound string    // wamid, default context for button replies (§4.5)
	lastSeen     time.Time
}

const (
	userShards = 64
	// sweepEvery: a shard is swept for idle users after this many inserts.
	sweepEvery = 4096
)

// users is a sharded map of user state, so concurrent sends to different
// recipients rarely share a lock.
type users struct {
	seed   maphash.Seed
	shards [userShards]userShard
}

type userShard struct {
	mu      sync.Mutex
	m       map[string]*user
	inserts int
}

func newUsers() *users {
	u := &users{seed: maphash.MakeSeed()}
	for i := range u.shards {
		u.shards[i].m = make(map[string]*user)
	}
	return u
}

func (u *users) shard(waID string) *userShard {
	return &u.shards[maphash.String(u.seed, waID)%userShards]
}

// with runs fn with the user's state locked, creating it when missing. idle
// reports whether a user may be forgotten at now (nothing left to remember).
func (u *users) with(waID string, now time.Time, idle func(*user, time.Time) bool, fn func(*user)) {
	s := u.shard(waID)
	s.mu.Lock()
	us, ok := s.m[waID]
	if !ok {
		us = &user{}
		s.m[waID] = us
		s.inserts++
		if s.inserts >= sweepEvery {
			s.inserts = 0
			for k, v := range s.m {
				if v != us && idle(v, now) {
					delete(s.m, k)
				}
			}
		}
	}
	us.lastSeen = now
	fn(us)
	s.mu.Unlock()
}

// peek runs fn on the user's state if it exists.
func (u *users) peek(waID string, fn func(*user)) {
	s := u.shard(waID)
	s.mu.Lock()
	if us, ok := s.m[waID]; ok {
		fn(us)
	}
	s.mu.Unlock()
}

func (u *users) reset() {
	for i := range u.shards {
		s := &u.shards[i]
		s.mu.Lock()
		s.m = make(map[string]*user)
		s.inserts = 0
		s.mu.Unlock()
	}
}
