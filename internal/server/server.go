// SPDX-License-Identifier: AGPL-3.0-only

// Package server assembles samtykke: the app over a store and a vault, and
// the one HTTP handler tree (API, webhook, public pages, the admin UI) that `samtykke
// serve`, the end-to-end tests and the benchmarks all run, so that what is
// tested is what runs; the built-in simulator, when there is one, gets a
// handler of its own, for an address of its own. Which store backend is
// used is the command layer's choice, not this package's.
package server

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samtykke/samtykke/internal/admin"
	"github.com/samtykke/samtykke/internal/api"
	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/metrics"
	"github.com/samtykke/samtykke/internal/notify"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/vault"
	"github.com/samtykke/samtykke/internal/web"
	"github.com/samtykke/samtykke/internal/webhook"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// SimGraphPrefix is where the built-in simulator's Cloud API paths are
// mounted on its own address, beside their place at its root; its control
// endpoints are under /_sim/ there, never on the service's address.
const SimGraphPrefix = "/_sim/graph"

// MaxSimBody is the largest request body the simulator's address takes.
const MaxSimBody = 1 << 20

// Config is everything the assembly needs besides the store and the vault.
type Config struct {
	// App is the app's configuration, complete: the WhatsApp client and the
	// further sending numbers, the notifiers, the keywords, the pacing.
	App app.Config
	// Web configures the public pages; an empty CSRFKey is the vault's.
	Web web.Config
	// AppSecret checks the webhook's X-Hub-Signature-256; VerifyToken
	// answers its verification handshake.
	AppSecret, VerifyToken string
	// Sim, when set, is the built-in simulator standing in for the Cloud
	// API, served by Server.Sim on an address of its own; Sink is where it
	// keeps SMS and e-mail, shown at /_sim/notify there.
	Sim  *sim.Server
	Sink *notify.Sink
	// Registry receives the metrics (nil: a registry of the server's own);
	// the app reports to it unless App.Observer is set.
	Registry *prometheus.Registry
	// MetricsToken is the bearer token /metrics takes; empty refuses every scrape.
	MetricsToken string
	// Settings is the configuration as the staff pages' settings page
	// shows it, secrets redacted (config.Dump).
	Settings []admin.Setting
	Log      *slog.Logger
}

// Server is an assembled samtykke.
type Server struct {
	App *app.App
	// Handler serves every route, behind the request log and metrics and
	// the server-wide body limit (httpx.MaxRequestBody).
	Handler http.Handler
	// Sim serves the built-in simulator (its Cloud API send path and its
	// /_sim/ control endpoints) for its own address, loopback by default:
	// whoever reaches it can write as any person. Nil without a simulator.
	Sim http.Handler
	// Registry holds the metrics /metrics shows.
	Registry *prometheus.Registry
}

// New builds the app and its handler tree.
func New(st store.Store, v *vault.Vault, cfg Config) (*Server, error) {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	if cfg.App.Observer == nil {
		cfg.App.Observer = metrics.New(reg, st, log)
	}
	a := app.New(st, v, cfg.App, log)
	mux := http.NewServeMux()
	apiServer := api.New(a, log, reg)
	apiServer.MetricsToken = cfg.MetricsToken
	apiServer.Register(mux)
	(&webhook.Handler{App: a, AppSecret: cfg.AppSecret, VerifyToken: cfg.VerifyToken, Log: log}).Register(mux)
	wc := cfg.Web
	if len(wc.CSRFKey) == 0 {
		wc.CSRFKey = v.CSRFKey()
	}
	if wc.Log == nil {
		wc.Log = log
	}
	wc.Secure = wc.Secure || strings.HasPrefix(cfg.App.PublicURL, "https://")
	pages, err := web.New(a, wc)
	if err != nil {
		return nil, err
	}
	pages.Register(mux)
	staffUI, err := admin.New(a, admin.Config{BusinessName: wc.BusinessName, CSRFKey: wc.CSRFKey,
		TrustedProxies: wc.TrustedProxies, Log: log})
	if err != nil {
		return nil, err
	}
	staffUI.Register(mux)
	ui, err := staffUI.Pages(cfg.Settings)
	if err != nil {
		return nil, err
	}
	ui.Register(mux)
	out := &Server{App: a, Handler: httpx.Middleware(log, apiServer.Observe,
		httpx.HSTS(wc.TrustedProxies, httpx.LimitBody(httpx.MaxRequestBody, importBody, mux))), Registry: reg}
	if cfg.Sim != nil {
		out.Sim = simHandler(cfg.Sim, cfg.Sink, log)
	}
	return out, nil
}

// importBody is the larger limit of the one route that takes a file.
func importBody(r *http.Request) int64 {
	if r.Method == http.MethodPost && r.URL.Path == "/api/v1/imports" {
		return api.MaxImportBody
	}
	return 0
}

// simHandler is the simulator's own address: the Cloud API send path at
// the root and under SimGraphPrefix, the control endpoints under /_sim/,
// and the SMS and e-mail the sink kept at /_sim/notify.
func simHandler(s *sim.Server, sink *notify.Sink, log *slog.Logger) http.Handler {
	h := s.Handler()
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.Handle(SimGraphPrefix+"/", http.StripPrefix(SimGraphPrefix, h))
	mux.HandleFunc("GET /_sim/notify", func(w http.ResponseWriter, _ *http.Request) {
		var sent []notify.Sent
		if sink != nil {
			sent = sink.Sent()
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"sent": sent})
	})
	return httpx.QuietMiddleware(log, httpx.LimitBody(MaxSimBody, nil, mux))
}
