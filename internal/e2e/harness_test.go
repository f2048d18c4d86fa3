// SPDX-License-Identifier: AGPL-3.0-only

// Package e2e runs samtykke's flows end to end: the app, River, the webhook
// receiver and the WhatsApp simulator over real HTTP, on both stores.
package e2e

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/notify"
	"github.com/samtykke/samtykke/internal/queue"
	"github.com/samtykke/samtykke/internal/server"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/vault"
	"github.com/samtykke/samtykke/internal/web"
	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

const appSecret = "e2e-app-secret"

type harness struct {
	master []byte
	t      *testing.T
	ctx    context.Context
	app    *app.App
	sim    *sim.Server
	srv    *httptest.Server
	// simURL is the simulator's own address: its send path and /_sim/.
	simURL string
	store  store.Store
	b      storetest.Backend
	sink   *notify.Sink
	// registry holds the metrics the assembly reports, as /metrics shows them.
	registry *prometheus.Registry
}

var admin = app.Actor{ID: "t-admin", Name: "admin", Role: staff.Admin}

func start(t *testing.T, b storetest.Backend) *harness { return startWith(t, b, nil) }

// options of a harness beyond the configurations.
type options struct {
	noQueue bool // the test starts (or leaves to another process) the queue
	// wrapSim, when set, wraps the simulator's own address (to watch what
	// reaches it).
	wrapSim func(http.Handler) http.Handler
	noSeed  bool // no purpose and no notice: a first run
}

// startWith lets a test change the simulator's and the app's configuration.
func startWith(t *testing.T, b storetest.Backend, tweak func(*sim.Config, *app.Config)) *harness {
	return startOpts(t, b, tweak, options{})
}

func startOpts(t *testing.T, b storetest.Backend, tweak func(*sim.Config, *app.Config), opt options) *harness {
	t.Helper()
	ctx := context.Background()
	master := make([]byte, vault.KeySize)
	_, _ = rand.Read(master)
	v, _ := vault.New(master)
	st := b.Open(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The server's address comes first: the simulator signs webhooks to it.
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	var simHandler http.Handler
	simSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { simHandler.ServeHTTP(w, r) }))
	t.Cleanup(simSrv.Close)
	simCfg := sim.DefaultConfig()
	simCfg.AppSecret, simCfg.WebhookURL = appSecret, srv.URL+"/webhooks/whatsapp"
	for _, st := range app.ServiceTemplates {
		for _, lang := range st.Languages {
			simCfg.Templates = append(simCfg.Templates, sim.Template{Name: st.Name, Language: lang, Category: st.Category})
		}
	}
	appCfg := app.Config{PublicURL: srv.URL}
	if tweak != nil {
		tweak(&simCfg, &appCfg)
	}
	s, err := sim.New(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	client, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: simSrv.URL, Token: "e2e", PhoneNumberID: s.PhoneNumberID()})
	if err != nil {
		t.Fatal(err)
	}
	sink := &notify.Sink{}
	appCfg.BusinessNumber, appCfg.WhatsApp, appCfg.SMS, appCfg.Email = s.DisplayNumber(), client, sink, sink
	// The same assembly as serve's.
	assembled, err := server.New(st, v, server.Config{App: appCfg, Web: web.Config{BusinessName: "Butikken AS"},
		AppSecret: appSecret, VerifyToken: "vt", Sim: s, Sink: sink, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	a := assembled.App
	handler, simHandler = assembled.Handler, assembled.Sim
	if opt.wrapSim != nil {
		simHandler = opt.wrapSim(simHandler)
	}
	h := &harness{master: master, t: t, ctx: ctx, app: a, sim: s, srv: srv, simURL: simSrv.URL, store: st, b: b, sink: sink, registry: assembled.Registry}
	if !opt.noQueue {
		h.startQueue(queue.Config{})
	}
	if !opt.noSeed {
		h.seed()
	}
	return h
}

func (h *harness) seed() {
	h.t.Helper()
	for _, p := range []consent.Purpose{
		{Key: "offers", Channel: consent.WhatsApp, Basis: consent.BasisConsent, RetentionDays: 365,
			Description: consent.Text{NB: "Tilbud", EN: "Offers"}},
		{Key: "news", Channel: consent.WhatsApp, Basis: consent.BasisConsent, RetentionDays: 365,
			Description: consent.Text{NB: "Nyheter", EN: "News"}},
	} {
		if _, err := h.app.CreatePurpose(h.ctx, admin, p); err != nil {
			h.t.Fatal(err)
		}
	}
	for _, lang := range []string{"nb", "en"} {
		n := notice.Notice{Language: lang, Summary: "Kort om behandlingen."}
		for _, it := range notice.Required {
			n.Sections = append(n.Sections, notice.Section{Item: it, Title: string(it), Body: "Tekst om " + string(it)})
		}
		n, err := h.app.CreateNotice(h.ctx, admin, n)
		if err == nil {
			_, err = h.app.PublishNotice(h.ctx, admin, n.ID)
		}
		if err != nil {
			h.t.Fatal(err)
		}
	}
}

// waitFor polls cond until it holds or a minute passes (a loaded machine,
// or the race detector, makes everything several times slower).
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// write sends an inbound text from a number through the simulator, which
// posts the signed webhook to samtykke before it answers.
func (h *harness) write(from, text string) sim.Delivery {
	h.t.Helper()
	d, err := h.sim.Inbound(sim.Inbound{From: from, Text: text})
	if err != nil || !d.Delivered {
		h.t.Fatalf("inbound %q: %+v, %v", text, d, err)
	}
	return d
}

func (h *harness) count(q string, args ...any) int64 {
	h.t.Helper()
	return h.b.Int(h.t, h.store, q, args...)
}

func (h *harness) gate(contactID, purpose string) consent.Decision {
	h.t.Helper()
	d, err := h.app.Gate(h.ctx, admin, contactID, purpose)
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

// startQueue works the queue in this process until the test ends.
func (h *harness) startQueue(cfg queue.Config) {
	h.t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	q, err := queue.Start(h.ctx, h.store, h.app, log, prometheus.NewRegistry(), cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(stopCtx)
	})
}
