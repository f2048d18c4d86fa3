// SPDX-License-Identifier: AGPL-3.0-only

package message_test

import (
	"slices"
	"testing"

	"github.com/samtykke/samtykke/internal/message"
)

// TestAdvance checks every pair of statuses. Status webhooks arrive out of
// order (whatsapp-cloud-api.md §4.6): only forward moves count; failed ends a
// message unless a later delivered or read proves it arrived, as happens for
// multi-device users (§6); a skipped message was never sent and never moves.
func TestAdvance(t *testing.T) {
	t.Parallel()
	all := []message.Status{message.Queued, message.Sending, message.Unknown, message.Sent,
		message.Delivered, message.Read, message.Failed, message.Skipped}
	// allowed lists, for each current status, the statuses that may replace it.
	allowed := map[message.Status][]message.Status{
		message.Queued:    {message.Sending, message.Unknown, message.Sent, message.Delivered, message.Read, message.Failed},
		message.Sending:   {message.Unknown, message.Sent, message.Delivered, message.Read, message.Failed},
		message.Unknown:   {message.Sent, message.Delivered, message.Read, message.Failed}, // the webhook tells (§6)
		message.Sent:      {message.Delivered, message.Read, message.Failed},               // failed after sent (§6)
		message.Delivered: {message.Read},                                                  // read implies delivered (§4.6)
		message.Read:      nil,                                                             // the end: nothing overrides it
		message.Failed:    {message.Delivered, message.Read},                               // multi-device (§6)
		message.Skipped:   nil,                                                             // never sent
	}
	for _, cur := range all {
		for _, next := range all {
			want := slices.Contains(allowed[cur], next)
			t.Run(string(cur)+" to "+string(next), func(t *testing.T) {
				t.Parallel()
				if got := message.Advance(cur, next); got != want {
					t.Errorf("Advance(%s, %s) = %v, want %v", cur, next, got, want)
				}
			})
		}
	}

	// Statuses samtykke does not track (a voice message's "played") never
	// replace anything, and an unknown current status is not a reason to
	// refuse a real one.
	extra := []struct {
		name      string
		cur, next message.Status
		want      bool
	}{
		{"played after sent is ignored", message.Sent, "played", false},
		{"played after failed is ignored", message.Failed, "played", false},
		{"empty status is ignored", message.Queued, "", false},
		{"sent after failed stays failed (§4.6)", message.Failed, message.Sent, false},
		{"failed after read stays read (§4.6)", message.Read, message.Failed, false},
		{"delivered after read stays read (§4.6)", message.Read, message.Delivered, false},
		{"read after delivered (§4.6)", message.Delivered, message.Read, true},
		{"delivered after failed, multi-device (§6)", message.Failed, message.Delivered, true},
	}
	for _, tt := range extra {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := message.Advance(tt.cur, tt.next); got != tt.want {
				t.Errorf("Advance(%q, %q) = %v, want %v", tt.cur, tt.next, got, tt.want)
			}
		})
	}
}

// TestAdvanceConverges applies every order of a message's webhooks and checks
// that the result does not depend on the order (§4.6: order is not guaranteed).
func TestAdvanceConverges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		webhooks []message.Status
		want     message.Status
	}{
		{"sent, delivered, read", []message.Status{message.Sent, message.Delivered, message.Read}, message.Read},
		{"sent, failed", []message.Status{message.Sent, message.Failed}, message.Failed},
		{"sent, delivered, failed", []message.Status{message.Sent, message.Delivered, message.Failed}, message.Delivered},
		{"failed, read (multi-device, §6)", []message.Status{message.Failed, message.Read}, message.Read},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, order := range permutations(tt.webhooks) {
				cur := message.Sending
				for _, next := range order {
					if message.Advance(cur, next) {
						cur = next
					}
				}
				if cur != tt.want {
					t.Errorf("webhooks in order %v end at %s, want %s", order, cur, tt.want)
				}
			}
		})
	}
}

func permutations(s []message.Status) [][]message.Status {
	if len(s) <= 1 {
		return [][]message.Status{slices.Clone(s)}
	}
	var out [][]message.Status
	for i := range s {
		rest := slices.Concat(s[:i:i], s[i+1:])
		for _, p := range permutations(rest) {
			out = append(out, append([]message.Status{s[i]}, p...))
		}
	}
	return out
}

// TestServiceKindsKeepOffSuppressedNumbers: a message someone else's action
// sets off never reaches a suppressed number (invariant 9): a breach notice
// (Art. 34) is recorded as not sent instead (B-05).
func TestServiceKindsKeepOffSuppressedNumbers(t *testing.T) {
	t.Parallel()
	for _, k := range []message.Kind{message.BreachNotice, message.ConfirmationRequest, message.RightsCode, message.PreferencesLink, message.Campaign} {
		if message.MayReachSuppressed(k) {
			t.Errorf("MayReachSuppressed(%s) = true", k)
		}
	}
}
