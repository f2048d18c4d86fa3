// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
)

// TestSettingsReachEveryReplica: the controller's details set up on one
// replica reach another on the same PostgreSQL within WatchSettings'
// interval, without a restart, and the other reads the settings row once an
// interval however many requests it serves (issue 23 leftovers; T-01: the
// pages and notices name the controller as it is now).
func TestSettingsReachEveryReplica(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rs := pgReplicas(t, 2, app.Config{BusinessName: "Butikken AS"})
	for _, a := range rs {
		if err := a.LoadSettings(ctx); err != nil { // as serve does at start
			t.Fatal(err)
		}
	}
	const every = 200 * time.Millisecond
	watched := make(chan struct{})
	go func() { defer close(watched); rs[1].WatchSettings(ctx, every) }()
	defer func() { cancel(); <-watched }()

	setup := func(name, org string) {
		t.Helper()
		err := rs[0].Setup(ctx, admin, app.SetupInput{Name: name, OrgNumber: org, Purpose: consent.Purpose{Key: "tilbud",
			Channel: consent.WhatsApp, Basis: consent.BasisConsent, RetentionDays: 365, Description: consent.Text{NB: "Tilbud", EN: "Offers"}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	// seen waits for replica 1 to name the controller name with org, serving
	// requests meanwhile, and says how long it took and how many reads of
	// the settings row it made.
	seen := func(name, org string) (took time.Duration, reads int64, requests int) {
		t.Helper()
		start, before := time.Now(), rs[1].SettingsReads()
		for {
			c := rs[1].Controller() // what every page, message and receipt asks
			requests++
			if c.Name == name && c.OrgNumber == org {
				return time.Since(start), rs[1].SettingsReads() - before, requests
			}
			if time.Since(start) > 2*every+3*time.Second {
				t.Fatalf("replica 1 still names %q %q after %v; want %q %q", c.Name, c.OrgNumber, time.Since(start), name, org)
			}
			if requests%1000 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}

	if c := rs[1].Controller(); c.Name != "Butikken AS" || c.OrgNumber != "" {
		t.Fatalf("before the setup replica 1 names %+v", c)
	}
	setup("Kiwi Majorstuen AS", "974760673")
	if c := rs[0].Controller(); c.Name != "Kiwi Majorstuen AS" {
		t.Fatalf("replica 0 after its own setup names %q", c.Name)
	}
	took, reads, requests := seen("Kiwi Majorstuen AS", "974760673")
	t.Logf("first setup seen on replica 1 after %v, %d reads, %d requests", took, reads, requests)

	// A change of the details (the setup page again) reaches it the same
	// way; the reads follow the clock, not the requests.
	setup("Kiwi Grünerløkka AS", "923609016")
	took, reads, requests = seen("Kiwi Grünerløkka AS", "923609016")
	t.Logf("second setup seen on replica 1 after %v, %d reads, %d requests", took, reads, requests)
	if bound := int64(took/every) + 2; reads > bound {
		t.Errorf("replica 1 read the settings %d times in %v (%d requests); want at most %d, one an interval", reads, took, requests, bound)
	}
	// Idle for a few intervals: still one read an interval, and thousands
	// of requests add none.
	before := rs[1].SettingsReads()
	start := time.Now()
	for range 100000 {
		_ = rs[1].Controller()
	}
	time.Sleep(3 * every)
	if n, bound := rs[1].SettingsReads()-before, int64(time.Since(start)/every)+1; n > bound || n == 0 {
		t.Errorf("replica 1 read the settings %d times in %v while serving 100000 requests; want 1 to %d", n, time.Since(start), bound)
	}
}
