// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/config"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/keyword"
	"github.com/samtykke/samtykke/internal/notify"
	"github.com/samtykke/samtykke/internal/queue"
	"github.com/samtykke/samtykke/internal/server"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/web"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

func randomSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// channel is the WhatsApp side as serve runs it: the Cloud API, or the
// built-in simulator standing in for it on an address of its own (simBase).
type channel struct {
	client         *whatsapp.Client
	more           []*whatsapp.Client // further sending numbers
	sim            *sim.Server
	sink           *notify.Sink
	appSecret      string
	verifyToken    string
	businessNumber string
}

func setupChannel(cfg config.Config, base, simBase string, log *slog.Logger) (*channel, error) {
	w := cfg.WhatsApp
	ch := &channel{appSecret: w.AppSecret, verifyToken: w.VerifyToken, businessNumber: whatsapp.Digits(w.BusinessNumber)}
	clientCfg := whatsapp.ClientConfig{BaseURL: w.BaseURL, Version: w.Version, Token: w.Token, PhoneNumberID: w.PhoneNumberID,
		BusinessAccountID: w.BusinessAccountID, Logger: log.With("component", "whatsapp"), Pipeline: w.Pipeline}
	if w.Pipeline == 0 {
		clientCfg.Pipeline = -1 // one request a connection, through net/http and its proxy settings
	}
	if w.Simulated() {
		if ch.appSecret == "" {
			ch.appSecret = randomSecret()
		}
		if ch.verifyToken == "" {
			ch.verifyToken = randomSecret()
		}
		simCfg := sim.DefaultConfig()
		simCfg.AppSecret, simCfg.WebhookURL = ch.appSecret, base+"/webhooks/whatsapp"
		simCfg.Logger = log.With("component", "whatsapp-sim")
		simCfg.TemplatesFile = filepath.Join(cfg.DataDir, sim.TemplatesFileName) // registered templates outlive a restart
		if cfg.TLS.Enabled() {
			// The simulator stands in for the platform posting to our own
			// address, whose certificate may well be self-signed.
			simCfg.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec
		}
		for _, st := range app.ServiceTemplates {
			for _, lang := range st.Languages {
				simCfg.Templates = append(simCfg.Templates, sim.Template{Name: st.Name, Language: lang, Category: st.Category})
			}
		}
		s, err := sim.New(simCfg)
		if err != nil {
			return nil, fmt.Errorf("simulator: %w", err)
		}
		ch.sim, ch.sink = s, &notify.Sink{}
		ch.businessNumber = s.DisplayNumber()
		clientCfg.BaseURL, clientCfg.Token, clientCfg.PhoneNumberID = simBase, "simulator", s.PhoneNumberID()
		clientCfg.BusinessAccountID = s.BusinessAccountID()
		clientCfg.Version = ""
	}
	c, err := whatsapp.NewClient(clientCfg)
	if err != nil {
		return nil, err
	}
	ch.client = c
	if !w.Simulated() {
		for _, id := range w.MorePhoneNumberIDs {
			more := clientCfg
			more.PhoneNumberID = id
			mc, err := whatsapp.NewClient(more)
			if err != nil {
				return nil, err
			}
			ch.more = append(ch.more, mc)
		}
	}
	return ch, nil
}

func keywords(cfg config.Config) (*keyword.Matcher, error) {
	lists := keyword.DefaultLists()
	if len(cfg.OptOutWords) > 0 {
		lists.OptOut = cfg.OptOutWords
	}
	if len(cfg.OptInWords) > 0 {
		lists.OptIn = cfg.OptInWords
	}
	return keyword.New(lists)
}

// httpServer is every listener's server: timeouts on each phase of a
// request, small headers; bodies are limited by the handler
// (httpx.LimitBody, and each route further).
func httpServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// runServe is the service: migrate, keys, app, queue, HTTP; then a graceful
// shutdown on SIGINT or SIGTERM.
func runServe(ctx context.Context, e env, args []string) int {
	fs, cf := flags(e, "serve")
	cfg, exit, ok := parse(e, fs, cf, args)
	if !ok {
		return exit
	}
	log := logger(cfg, e.stderr)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	var cert *server.Certificate
	var err error
	switch {
	case cfg.TLS.CertFile != "":
		cert, err = server.LoadCertificate(cfg.TLS.CertFile, cfg.TLS.KeyFile, log)
	case cfg.TLS.Cert != "":
		cert, err = server.StaticCertificate([]byte(cfg.TLS.Cert), []byte(cfg.TLS.Key))
	}
	if err != nil {
		return fail(e, "%v", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fail(e, "listen on %s: %v", cfg.Addr, err)
	}
	base := "http://" + ln.Addr().String()
	if cert != nil {
		base = "https://" + ln.Addr().String()
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = base
	}
	var simLn net.Listener
	simBase := ""
	if cfg.WhatsApp.Simulated() {
		if simLn, err = net.Listen("tcp", cfg.SimAddr); err != nil {
			return fail(e, "listen on %s (SAMTYKKE_SIM_ADDR, the built-in simulator's): %v", cfg.SimAddr, err)
		}
		defer simLn.Close()
		simBase = "http://" + simLn.Addr().String()
	}
	ch, err := setupChannel(cfg, base, simBase, log)
	if err != nil {
		return fail(e, "%v", err)
	}
	if ch.sim != nil {
		defer ch.sim.Close()
	}
	kw, err := keywords(cfg)
	if err != nil {
		return fail(e, "keywords: %v", err)
	}
	sys, err := open(ctx, cfg, log, setUp)
	if err != nil {
		return fail(e, "%v", err)
	}
	defer sys.store.Close()
	if sys.keyCreated {
		log.Info("created a new master key file with mode 0600; back it up: without it the data cannot be read",
			"data_dir", cfg.DataDir)
	}
	ac := appConfig(cfg)
	ac.BusinessNumber, ac.PublicURL, ac.WhatsApp, ac.Keywords, ac.EntryCodes = ch.businessNumber, cfg.PublicURL, ch.client, kw, cfg.EntryCodes
	ac.Dispatch.Rate, ac.Senders = float64(cfg.WhatsApp.MPS), ch.more
	ac.UnknownAfter = time.Duration(cfg.UnknownAfterDays) * 24 * time.Hour
	ac.Dispatch.MaxAttempts = cfg.SendAttempts
	ac.Dispatch.MaxInFlight = cfg.WhatsApp.MaxInFlight
	if ch.sink != nil {
		ac.SMS, ac.Email = ch.sink, ch.sink
	}
	if cfg.SMTP.Addr != "" {
		ac.Email = notify.SMTP{Addr: cfg.SMTP.Addr, From: cfg.SMTP.From, Username: cfg.SMTP.Username, Password: cfg.SMTP.Password}
	}
	proxies, err := httpx.ParseProxies(cfg.TrustedProxies)
	if err != nil {
		return fail(e, "SAMTYKKE_TRUSTED_PROXIES: %v", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	assembled, err := server.New(sys.store, sys.vault, server.Config{App: ac,
		Web:       web.Config{BusinessName: cfg.BusinessName, TrustedProxies: proxies, Secure: cert != nil},
		AppSecret: ch.appSecret, VerifyToken: ch.verifyToken, Sim: ch.sim, Sink: ch.sink, Registry: reg,
		MetricsToken: cfg.MetricsToken, Settings: settings(e, cf), Log: log})
	if err != nil {
		return fail(e, "%v", err)
	}
	a := assembled.App
	if err := a.LoadSettings(ctx); err != nil {
		return fail(e, "settings: %v", err)
	}
	replica := cfg.ReplicaID
	if replica == "" {
		replica, _ = os.Hostname()
	}
	q, err := queue.Start(ctx, sys.store, a, log, reg, queue.Config{ID: replica, Checkpoints: true})
	if err != nil {
		return fail(e, "queue: %v", err)
	}
	go refreshKeys(ctx, a, provider(cfg), log)   // a rotation started elsewhere reaches this replica (S-01)
	go a.WatchSettings(ctx, app.SettingsRefresh) // the first run's details made on another replica reach this one
	srv := httpServer(assembled.Handler, log)
	if cert != nil {
		srv.TLSConfig = cert.TLSConfig()
	}

	if n, err := sys.store.CountTokens(ctx); err == nil && n == 0 {
		if err := firstAdminToken(ctx, e, cfg, a); err != nil {
			return fail(e, "first admin token: %v", err)
		}
	}
	if users, err := sys.store.Users(ctx); err == nil && len(users) == 0 {
		if err := firstAdminUser(ctx, e, log, cfg, a, base); err != nil {
			return fail(e, "first admin user: %v", err)
		}
	}
	banner(e, log, cfg, base, sys.store.Backend(), simBase)
	if _, err := sys.store.CurrentNotice(ctx, "nb"); errors.Is(err, store.ErrNotFound) {
		log.Info("the opt-in page opens once a privacy notice is published",
			"hint", "the setup page "+base+"/admin/setup, or POST /api/v1/notices, then POST /api/v1/notices/{id}/publish (README: First steps)")
	}

	errc := make(chan error, 2)
	go func() {
		if cert != nil {
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
	var simSrv *http.Server
	if simLn != nil {
		simSrv = httpServer(assembled.Sim, log)
		go func() { errc <- simSrv.Serve(simLn) }()
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case <-hup:
			if cert != nil {
				_ = cert.Reload() // logged; the certificate in use stays on an error
			}
		case err := <-errc:
			if !errors.Is(err, http.ErrServerClosed) {
				log.Error("http server stopped", "error", err)
			}
			break wait
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
	if simSrv != nil {
		_ = simSrv.Shutdown(shutdownCtx)
	}
	if err := q.Stop(shutdownCtx); err != nil {
		log.Error("queue shutdown", "error", err)
		code = 1
	}
	return code
}
