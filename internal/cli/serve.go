// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/samtykke/samtykke/internal/api"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/queue"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

func parseRole(s string) (staff.Role, error) { return staff.ParseRole(s) }

// runServe is the service: migrate, keys, app, queue, HTTP; then a graceful
// shutdown on SIGINT or SIGTERM.
func runServe(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "serve")
	cfg, ok := parse(e, fs, cf, args)
	if !ok {
		return 2
	}
	log := logger(cfg, e.stderr)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	sys, err := open(ctx, cfg, log, true)
	if err != nil {
		return fail(e, "%v", err)
	}
	defer sys.store.Close()
	if sys.keyCreated {
		log.Info("created a new master key file with mode 0600; back it up: without it the data cannot be read",
			"data_dir", cfg.DataDir)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	q, err := queue.Start(ctx, sys.store, sys.app, log, reg)
	if err != nil {
		return fail(e, "queue: %v", err)
	}

	apiServer := api.New(sys.app, log, reg)
	mux := http.NewServeMux()
	apiServer.Register(mux)
	var simulator *sim.Server
	if cfg.WhatsApp.Simulated() {
		// No Cloud API credentials: the built-in simulator stands in, on our address.
		simCfg := sim.DefaultConfig()
		simCfg.Logger = log.With("component", "whatsapp-sim")
		if simulator, err = sim.New(simCfg); err != nil {
			return fail(e, "simulator: %v", err)
		}
		defer simulator.Close()
		mountSim(mux, simulator)
	}
	srv := &http.Server{
		Handler:           httpx.Middleware(log, apiServer.Observe, mux),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fail(e, "listen on %s: %v", cfg.Addr, err)
	}
	base := "http://" + ln.Addr().String()

	if n, err := sys.store.CountTokens(ctx); err == nil && n == 0 {
		secret, _, err := sys.app.CreateToken(ctx, staff.Admin, "first-run admin")
		if err != nil {
			return fail(e, "first admin token: %v", err)
		}
		fmt.Fprintf(e.stdout, "First run: an admin API token was created. It is shown once; keep it safe:\n\n    %s\n\n", secret)
	}
	fmt.Fprintf(e.stdout, "samtykke is running on %s (%s)\n", base, sys.store.Backend())
	fmt.Fprintf(e.stdout, "  API:      %s/api/v1/   (OpenAPI: %s/api/openapi.json)\n", base, base)
	fmt.Fprintf(e.stdout, "  health:   %s/healthz  %s/readyz   metrics: %s/metrics\n", base, base, base)
	if simulator != nil {
		fmt.Fprintf(e.stdout, "  WhatsApp: built-in simulator (no Cloud API token set): %s/_sim/messages\n", base)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "error", err)
		}
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	code := 0
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Error("http shutdown", "error", err)
		code = 1
	}
	if err := q.Stop(shutdownCtx); err != nil {
		log.Error("queue shutdown", "error", err)
		code = 1
	}
	return code
}
