// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/cli"
	"github.com/samtykke/samtykke/internal/queue"
	"github.com/samtykke/samtykke/internal/server"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/postgres"
	"github.com/samtykke/samtykke/internal/store/sqlite"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/vault"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// The child process of TestCampaignSurvivesKill9 is this test binary, run
// again with these variables: it dispatches until it is killed.
const (
	childDB     = "SAMTYKKE_E2E_CHILD_DB" // sqlite path or postgres URL
	childKey    = "SAMTYKKE_E2E_CHILD_KEY"
	childSim    = "SAMTYKKE_E2E_CHILD_SIM"
	childPhone  = "SAMTYKKE_E2E_CHILD_PHONE_ID"
	childPublic = "SAMTYKKE_E2E_CHILD_PUBLIC"
	childID     = "SAMTYKKE_E2E_CHILD_REPLICA"
	// childImport makes the child `samtykke import` with these arguments
	// (separated by \x1f), configured by SAMTYKKE_* variables.
	childImport = "SAMTYKKE_E2E_CHILD_IMPORT"
)

func TestMain(m *testing.M) {
	if args := os.Getenv(childImport); args != "" {
		os.Exit(cli.Main(context.Background(), strings.Split(args, "\x1f"), os.Getenv, os.Stdout, os.Stderr))
	}
	if os.Getenv(childDB) != "" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

// runChild is a samtykke worker on the parent's database and simulator.
func runChild() int {
	ctx := context.Background()
	var st store.Store
	var err error
	if db := os.Getenv(childDB); len(db) > 11 && db[:11] == "postgres://" {
		st, err = postgres.Open(ctx, db)
	} else {
		st, err = sqlite.Open(ctx, db)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	master, _ := base64.StdEncoding.DecodeString(os.Getenv(childKey))
	v, err := vault.New(master)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	client, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: os.Getenv(childSim), Token: "child", PhoneNumberID: os.Getenv(childPhone)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := app.New(st, v, app.Config{PublicURL: os.Getenv(childPublic), WhatsApp: client,
		Dispatch: app.DispatchConfig{Rate: 400, Batch: 20, Slice: 500 * time.Millisecond}}, log)
	if _, err := queue.Start(ctx, st, a, log, prometheus.NewRegistry(), queue.Config{ID: os.Getenv(childID),
		JobTimeout: 10 * time.Second, RescueStuckAfter: time.Minute}); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	select {} // until killed
}

// TestCampaignSurvivesKill9 kills the dispatching process with SIGKILL in
// the middle of a campaign; a fresh worker resumes it. No contact gets two
// requests, and every message ends in a known state (invariant 2; reference
// §6: the platform has no idempotency key).
func TestCampaignSurvivesKill9(t *testing.T) {
	t.Parallel()
	t.Run("instant answers", func(t *testing.T) { t.Parallel(); killMidCampaign(t, 0) })
	// At the platform's answer time many requests are in flight when the
	// process dies: each ends unknown and is settled by its status webhook,
	// never sent again (invariant 12).
	t.Run("answers in 200 ms", func(t *testing.T) { t.Parallel(); killMidCampaign(t, 200*time.Millisecond) })
}

func killMidCampaign(t *testing.T, latency time.Duration) {
	const n = 1500
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		h := startOpts(t, b, func(s *sim.Config, a *app.Config) {
			s.MPS, s.PairRateEvery, s.Statuses = 0, 0, []string{"sent"}
			s.Latency = sim.Latency{Median: latency}
			a.Dispatch = app.DispatchConfig{Rate: 400, Batch: 20, Slice: 500 * time.Millisecond}
		}, options{noQueue: true})
		h.subscribeMany(n, "offers")
		c := h.offer()
		h.start(c)
		db := ""
		switch st := h.store.(type) {
		case *sqlite.Store:
			db = st.Path()
		case *postgres.Store:
			db = st.URL()
		}
		replica := fmt.Sprintf("replica-%s-%d", b.Name, latency.Milliseconds())
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childDB+"="+db, childKey+"="+base64.StdEncoding.EncodeToString(h.master),
			childSim+"="+h.srv.URL+server.SimGraphPrefix, childPhone+"="+h.sim.PhoneNumberID(), childPublic+"="+h.srv.URL, childID+"="+replica)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Opt-outs arrive while the child dispatches, and across its death.
		const stoppers = 60
		var stops sync.WaitGroup
		for i := range stoppers {
			stops.Add(1)
			go func() {
				defer stops.Done()
				time.Sleep(time.Duration(i) * 10 * time.Millisecond)
				if _, err := h.sim.Inbound(sim.Inbound{From: number(i * (n / stoppers)), Text: "STOPP"}); err != nil {
					t.Error(err)
				}
			}()
		}
		h.waitFor("the child to send a third", func() bool {
			return h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1 AND status <> 'queued'`, c.ID) > n/3
		})
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		killedAt := h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1 AND status <> 'queued'`, c.ID)

		stops.Wait()
		// The replica restarts under its name and takes its job back at once,
		// not after River's rescue interval (a minute here).
		restarted := time.Now()
		h.startQueue(queue.Config{ID: replica, JobTimeout: 10 * time.Second, RescueStuckAfter: time.Minute})
		h.waitFor("the restarted replica to go on", func() bool {
			return h.count(`SELECT count(*) FROM messages WHERE campaign_id = $1 AND status <> 'queued'`, c.ID) > killedAt
		})
		if resumed := time.Since(restarted); resumed > 5*time.Second {
			t.Errorf("the campaign went on %v after the restart; want within a few seconds", resumed)
		}
		deadline := time.Now().Add(120 * time.Second)
		for {
			v, err := h.app.Campaign(h.ctx, admin, c.ID)
			if err == nil && v.Status == campaign.Done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("campaign not done two minutes after the kill: %+v", v.Counts)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err := h.sim.WaitIdle(h.ctx); err != nil {
			t.Fatal(err)
		}
		h.waitFor("status webhooks to settle", func() bool {
			return h.count(`SELECT count(*) FROM webhook_inbox WHERE processed_at = 0`) == 0
		})
		// At most once: the simulator never got two requests for one contact.
		accepted := map[string]int{}
		for _, m := range h.sim.Messages("") {
			if m.TemplateName == "spring_sale" {
				accepted[m.BizOpaqueCallbackData]++
				if accepted[m.BizOpaqueCallbackData] > 1 {
					t.Fatalf("message %s was sent twice", m.BizOpaqueCallbackData)
				}
			}
		}
		// Nothing lost: each accepted request is recorded as sent (its status
		// webhook settles what the killed process never heard back), and
		// every message has an outcome.
		v, _ := h.app.Campaign(h.ctx, admin, c.ID)
		if v.Counts["queued"] != 0 || v.Counts["sending"] != 0 {
			t.Fatalf("messages left in flight: %v", v.Counts)
		}
		if sent := v.Counts["sent"] + v.Counts["delivered"] + v.Counts["read"]; sent != int64(len(accepted)) {
			t.Fatalf("recorded %d sent, the simulator accepted %d (%v)", sent, len(accepted), v.Counts)
		}
		if total := v.Counts["sent"] + v.Counts["unknown"] + v.Counts["skipped"]; total != n {
			t.Fatalf("outcomes %v do not cover the %d messages", v.Counts, n)
		}
		// Once a withdrawal committed, no later decision reached that contact.
		var late int64
		if err := h.store.Tx(h.ctx, func(tx store.Tx) error {
			var err error
			late, err = tx.LateDecisions(h.ctx, c.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if late != 0 {
			t.Fatalf("%d messages were decided after their contact's withdrawal committed", late)
		}
		t.Logf("%s: killed after %d decided; %d sent, %d unknown (never reached the platform), %d skipped", b.Name, killedAt, v.Counts["sent"], v.Counts["unknown"], v.Counts["skipped"])
	})
}
