// SPDX-License-Identifier: AGPL-3.0-only

package campaign_test

import (
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/campaign"
)

// TestLocalTime: the form's date and time are read in Oslo, summer and
// winter; a time the clock skips is the hour after; anything else is refused
// (issue 23 point 1).
func TestLocalTime(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		date, clock string
		want        time.Time
		bad         bool
	}{
		{"2026-11-29", "14:00", utc(2026, 11, 29, 13, 0), false},
		{"2026-06-10", "08:30", utc(2026, 6, 10, 6, 30), false},
		{"2026-03-29", "02:30", utc(2026, 3, 29, 1, 30), false}, // skipped in spring: 03:30 CEST
		{"2026-13-01", "10:00", time.Time{}, true},
		{"29.11.2026", "10:00", time.Time{}, true},
		{"2026-11-29", "24:00", time.Time{}, true},
		{"2026-11-29", "9:00", time.Time{}, true},
		{"2026-11-29", "", time.Time{}, true},
	} {
		got, err := campaign.LocalTime(c.date, c.clock)
		if (err != nil) != c.bad || !c.bad && !got.Equal(c.want) {
			t.Errorf("LocalTime(%q, %q) = %v, %v; want %v (bad %v)", c.date, c.clock, got.UTC(), err, c.want, c.bad)
		}
	}
}

// TestWaiting: a campaign waits for its start time, then for its window;
// a start time outside the window waits for the window's next opening.
func TestWaiting(t *testing.T) {
	t.Parallel()
	day := &campaign.Window{From: "08:00", To: "21:00"}
	for _, c := range []struct {
		name  string
		c     campaign.Campaign
		now   time.Time
		wait  campaign.Wait
		until time.Time
	}{
		{"nothing set", campaign.Campaign{}, oslo(2026, 11, 29, 3, 0), campaign.NotWaiting, time.Time{}},
		{"before its start", campaign.Campaign{ScheduledAt: oslo(2026, 11, 29, 14, 0)}, oslo(2026, 11, 29, 13, 0),
			campaign.WaitingSchedule, oslo(2026, 11, 29, 14, 0)},
		{"at its start", campaign.Campaign{ScheduledAt: oslo(2026, 11, 29, 14, 0)}, oslo(2026, 11, 29, 14, 0), campaign.NotWaiting, time.Time{}},
		{"a start outside the window", campaign.Campaign{ScheduledAt: oslo(2026, 11, 29, 22, 0), Window: day}, oslo(2026, 11, 29, 13, 0),
			campaign.WaitingSchedule, oslo(2026, 11, 30, 8, 0)},
		{"started, window closed", campaign.Campaign{ScheduledAt: oslo(2026, 11, 29, 14, 0), Window: day}, oslo(2026, 11, 29, 21, 30),
			campaign.WaitingWindow, oslo(2026, 11, 30, 8, 0)},
		{"window open", campaign.Campaign{Window: day}, oslo(2026, 11, 29, 9, 0), campaign.NotWaiting, time.Time{}},
	} {
		w, until := c.c.Waiting(c.now)
		if w != c.wait || !until.Equal(c.until) {
			t.Errorf("%s: %q until %v; want %q until %v", c.name, w, until, c.wait, c.until)
		}
	}
}

// TestVariantFor: a person gets their language's variant, else bokmål,
// else English, in the platform's code it was approved in.
func TestVariantFor(t *testing.T) {
	t.Parallel()
	both := campaign.Template{Languages: map[string]campaign.Variant{"nb": {Body: "nb"}, "en": {Body: "en", Code: "en_US"}}}
	enOnly := campaign.Template{Languages: map[string]campaign.Variant{"en": {Body: "en", Code: "en_GB"}}}
	for _, c := range []struct {
		name       string
		t          campaign.Template
		lang       string
		want, code string
	}{
		{"own language", both, "nb", "nb", "nb"},
		{"own language, the platform's code", both, "en", "en", "en_US"},
		{"a language it lacks: bokmål", campaign.Template{Languages: map[string]campaign.Variant{"nb": {Body: "nb"}}}, "en", "nb", "nb"},
		{"no bokmål: English", enOnly, "nb", "en", "en_GB"},
	} {
		lang, v := c.t.VariantFor(c.lang)
		if lang != c.want || v.CodeFor(lang) != c.code {
			t.Errorf("%s: %s in %s; want %s in %s", c.name, lang, v.CodeFor(lang), c.want, c.code)
		}
	}
}
