// SPDX-License-Identifier: AGPL-3.0-only

package reply_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/reply"
)

// TestCheckAnswer: an answer's text is required, UTF-8, and at most the
// platform's 4096 characters (reference §1.4), counted as characters.
func TestCheckAnswer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text string
		ok         bool
	}{
		{"a short answer", "Vi åpner klokka 9.", true},
		{"4096 characters, some of two bytes", strings.Repeat("æ", reply.MaxAnswer), true},
		{"empty", "", false},
		{"blank", " \n\t ", false},
		{"4097 characters", strings.Repeat("a", reply.MaxAnswer+1), false},
		{"not UTF-8", "hei \xff", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := reply.CheckAnswer(tc.text)
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, reply.ErrAnswerText)) {
				t.Errorf("CheckAnswer = %v; want ok %v", err, tc.ok)
			}
		})
	}
}

// TestMayAnswer: the window is the one the person's last message opened,
// 24 hours (reference §1.7), whatever the order the messages are given in;
// at its end exactly it is closed; nothing written, nothing to answer.
func TestMayAnswer(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	msg := func(at time.Time) reply.Reply { return reply.Reply{At: at, WindowEnds: at.Add(reply.ServiceWindow)} }
	rs := []reply.Reply{msg(t0.Add(3 * time.Hour)), msg(t0)}
	for _, tc := range []struct {
		name    string
		replies []reply.Reply
		now     time.Time
		ok      bool
	}{
		{"right after the first", rs, t0.Add(time.Minute), true},
		{"past the first's window, inside the last's", rs, t0.Add(25 * time.Hour), true},
		{"a moment before the end", rs, t0.Add(27*time.Hour - time.Nanosecond), true},
		{"at the end", rs, t0.Add(27 * time.Hour), false},
		{"a day after", rs, t0.Add(51 * time.Hour), false},
		{"nothing written", nil, t0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := reply.MayAnswer(tc.replies, tc.now)
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, reply.ErrWindowClosed)) {
				t.Errorf("MayAnswer at %v = %v; want ok %v", tc.now, err, tc.ok)
			}
		})
	}
	if end := reply.WindowEnd(rs); !end.Equal(t0.Add(27 * time.Hour)) {
		t.Errorf("WindowEnd = %v; want 24 hours after the last message", end)
	}
}
