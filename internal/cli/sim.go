// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/server"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// runSim is `samtykke whatsapp-sim`: the simulator on its own address.
func runSim(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "whatsapp-sim")
	addr := fs.String("addr", "127.0.0.1:8090", "HOST:PORT to listen on")
	webhook := fs.String("webhook", "", "URL that receives the signed webhooks (empty: none)")
	secret := fs.String("app-secret", "", "app secret that signs the webhooks (required with --webhook)")
	mps := fs.Int("mps", 80, "messages per second per business number; 0 lifts the limit")
	pair := fs.Duration("pair-every", 6*time.Second, "pair rate limit: one message per user per this; 0 lifts it")
	token := fs.String("token", "", "the only access token accepted (default: any)")
	statuses := fs.String("statuses", "sent,delivered,read", "status webhooks after each accepted send, comma separated; empty for none")
	maxRecorded := fs.Int("max-recorded", 100000, "accepted messages kept for /_sim/messages")
	latency := fs.Duration("latency", 0, "median time to answer a send, e.g. 250ms (0: at once)")
	latencyP99 := fs.Duration("latency-p99", 0, "99th percentile of the time to answer a send, e.g. 600ms (0: exactly --latency); log-normal between")
	latencySeed := fs.Uint64("latency-seed", 0, "seed for a reproducible sequence of answer times (0: random)")
	phoneID := fs.String("phone-number-id", sim.DefaultPhoneNumberID,
		"the business number's id in the send path, digits; several, comma separated, are several numbers of one account, each with its own ceiling")
	dataDir := fs.String("data-dir", e.getenv("SAMTYKKE_DATA_DIR"),
		"folder that keeps the templates registered through /_sim/templates across restarts (empty: memory only)")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	if *webhook != "" && *secret == "" {
		fmt.Fprintln(e.stderr, "samtykke whatsapp-sim: --webhook needs --app-secret")
		return 2
	}
	if *mps < 0 || *mps > 1000 {
		fmt.Fprintln(e.stderr, "samtykke whatsapp-sim: --mps must be between 0 and 1000")
		return 2
	}
	ids := strings.Split(*phoneID, ",")
	for i, id := range ids {
		if id == "" || strings.Trim(id, "0123456789") != "" || slices.Contains(ids[:i], id) {
			fmt.Fprintln(e.stderr, "samtykke whatsapp-sim: --phone-number-id must be digits, or several different ones comma separated")
			return 2
		}
	}
	if len(ids) > 1 && *dataDir != "" {
		fmt.Fprintln(e.stderr, "samtykke whatsapp-sim: --data-dir keeps one number's templates: give one --phone-number-id with it")
		return 2
	}
	lat := sim.Latency{Median: *latency, P99: *latencyP99}
	if err := lat.Validate(); err != nil {
		fmt.Fprintln(e.stderr, "samtykke whatsapp-sim: --latency must be positive with --latency-p99, and --latency-p99 not below it")
		return 2
	}
	log := logger(configDefaults(), e.stderr)
	cfg := sim.DefaultConfig()
	cfg.Latency, cfg.LatencySeed = lat, *latencySeed
	if *dataDir != "" {
		if err := os.MkdirAll(*dataDir, 0o700); err != nil {
			return fail(e, "data folder: %v", err)
		}
		cfg.TemplatesFile = filepath.Join(*dataDir, sim.TemplatesFileName)
	}
	cfg.WebhookURL, cfg.AppSecret, cfg.MPS, cfg.PairRateEvery, cfg.Token = *webhook, *secret, *mps, *pair, *token
	cfg.Logger = log
	cfg.Statuses, cfg.MaxRecorded = []string{}, *maxRecorded
	for _, st := range strings.Split(*statuses, ",") {
		if st = strings.TrimSpace(st); st != "" {
			cfg.Statuses = append(cfg.Statuses, st)
		}
	}
	// One simulator per number: each has its own ceiling, messages and
	// faults, as the platform's numbers of one account do. A send goes to
	// the number its path names; the control endpoints are the first's.
	mux := http.NewServeMux()
	var s *sim.Server
	for i, id := range ids {
		cfg.PhoneNumberID = id
		n, err := sim.New(cfg)
		if err != nil {
			return fail(e, "%v", err)
		}
		defer n.Close()
		mux.Handle("/{version}/"+id+"/", n.Handler())
		if i == 0 {
			s = n
			mux.Handle("/", n.Handler())
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(e, "listen on %s: %v", *addr, err)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Handler: httpx.QuietMiddleware(log, httpx.LimitBody(server.MaxSimBody, nil, mux)), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(e.stdout, "WhatsApp Cloud API simulator on %s\n  phone-number-id: %s\n", base, strings.Join(ids, ","))
	if cfg.TemplatesFile != "" {
		fmt.Fprintf(e.stdout, "  templates kept in %s\n", cfg.TemplatesFile)
	}
	if !lat.IsZero() {
		p99 := lat.P99
		if p99 == 0 {
			p99 = lat.Median
		}
		fmt.Fprintf(e.stdout, "  answer time: median %v, p99 %v\n", lat.Median, p99)
	}
	fmt.Fprintf(e.stdout, "  send:    POST %s/v25.0/%s/messages\n  control: %s/_sim/messages, /_sim/inbound, /_sim/faults, /_sim/templates\n",
		base, s.PhoneNumberID(), base)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fail(e, "%v", err)
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fail(e, "shutdown: %v", err)
	}
	return 0
}
