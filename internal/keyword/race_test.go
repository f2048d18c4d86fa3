// SPDX-License-Identifier: AGPL-3.0-only

//go:build race

package keyword

// raceEnabled reports whether the race detector is on; it makes sync.Pool
// drop items at random, so allocation counts are meaningless.
const raceEnabled = true
