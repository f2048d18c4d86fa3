// SPDX-License-Identifier: AGPL-3.0-only

// Package sim is a faithful WhatsApp Cloud API simulator, used in-process by
// tests and by `samtykke serve` when no Cloud API credentials are configured,
// and standalone by `samtykke whatsapp-sim`.
//
// It serves POST /{version}/{phone-number-id}/messages with the platform's
// request validation, success body and error bodies (§1, §2), enforces the
// per-number throughput (130429, §3.1), the pair rate limit (131056, §3.2), the
// 24 h customer service window (131047, §1.7) and the user-level marketing stop
// (131050, §5.2), and posts signed webhooks (§4.3) for statuses (§4.6), inbound
// messages (§4.5) and user preferences (§4.7) from a bounded queue served by
// worker goroutines, retrying failed deliveries like the platform does (§4.4).
// Config.Latency gives the send endpoint a realistic answer time, log-normal
// between a median and a 99th percentile, each request waiting its own draw
// concurrently with the others; LatencySampler draws the same for a bench.
//
// Control endpoints under /_sim/ drive it from tests and demos:
//
//	GET    /_sim/messages[?to=]      accepted messages, in order
//	POST   /_sim/inbound             a user writes, taps a button or changes number → messages webhook
//	POST   /_sim/user_preferences    a user stops/resumes marketing → user_preferences webhook
//	POST   /_sim/faults              inject failures or answer times; DELETE clears, GET lists
//	GET    /_sim/templates           registered templates; POST adds or replaces one
//	                                 (kept across restarts in Config.TemplatesFile)
//	POST   /_sim/reset               forget messages, users, faults and counters
//	GET    /_sim/stats               counters
//
// Section numbers (§…) are those of docs/platform.md, which restates the
// project's note on the platform with the same numbers. Where it is unsure,
// the simulator's choice is documented at the place it is made.
package sim
