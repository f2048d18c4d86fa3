// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/store"
)

// TestOsloDays (issue 23): the dashboard's days are Oslo calendar days,
// across the autumn clock change; an hour is counted on the Oslo day it
// falls on, not its UTC day.
func TestOsloDays(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 10, 26, 22, 30, 0, 0, time.UTC) // 23:30 in Oslo (CET) on the 26th
	days, since := app.OsloDays(now, 3)
	if want := []string{"2026-10-24", "2026-10-25", "2026-10-26"}; len(days) != 3 || days[0] != want[0] || days[2] != want[2] {
		t.Fatalf("days = %v; want %v", days, want)
	}
	if want := time.Date(2026, 10, 23, 22, 0, 0, 0, time.UTC); !since.Equal(want) { // midnight CEST on the 24th
		t.Errorf("since = %v; want %v", since, want)
	}
	got := app.CountDays(days, []store.HourCount{
		{Hour: time.Date(2026, 10, 23, 21, 0, 0, 0, time.UTC), Kind: ledger.Confirmed, N: 9}, // the 23rd in Oslo: left out
		{Hour: time.Date(2026, 10, 23, 22, 0, 0, 0, time.UTC), Kind: ledger.Confirmed, N: 1}, // 00:00 on the 24th
		{Hour: time.Date(2026, 10, 25, 23, 0, 0, 0, time.UTC), Kind: ledger.SoftOptIn, N: 2}, // 00:00 CET on the 26th
		{Hour: time.Date(2026, 10, 25, 22, 0, 0, 0, time.UTC), Kind: ledger.Withdrawn, N: 3}, // 23:00 CET on the 25th
		{Hour: time.Date(2026, 10, 26, 22, 0, 0, 0, time.UTC), Kind: ledger.Objected, N: 4},  // 23:00 on the 26th
		{Hour: time.Date(2026, 10, 26, 22, 0, 0, 0, time.UTC), Kind: ledger.Requested, N: 5}, // neither
	})
	want := []app.DayCount{{Day: "2026-10-24", OptIns: 1}, {Day: "2026-10-25", OptOuts: 3}, {Day: "2026-10-26", OptIns: 2, OptOuts: 4}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("day %d = %+v; want %+v", i, got[i], want[i])
		}
	}
}
