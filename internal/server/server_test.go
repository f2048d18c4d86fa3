// SPDX-License-Identifier: AGPL-3.0-only

package server

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/notify"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/vault"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// TestSimulatorOnItsOwnAddress: the built-in simulator's control endpoints
// and send path are served by Server.Sim, for its own address, and the
// service's handler answers 404 there (whoever reaches /_sim/inbound can
// write as anyone). Both listeners refuse an oversized body with 413. S-01.
func TestSimulatorOnItsOwnAddress(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		master := make([]byte, vault.KeySize)
		_, _ = rand.Read(master)
		v, err := vault.New(master)
		if err != nil {
			t.Fatal(err)
		}
		s, err := sim.New(sim.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		srv, err := New(b.Open(t), v, Config{App: app.Config{PublicURL: "http://127.0.0.1"}, Sim: s, Sink: &notify.Sink{}})
		if err != nil {
			t.Fatal(err)
		}
		if srv.Sim == nil {
			t.Fatal("no simulator handler")
		}
		send := "/v25.0/" + s.PhoneNumberID() + "/messages"
		for _, c := range []struct {
			method, path string
			service, sim int
		}{
			{"GET", "/_sim/messages", 404, 200},
			{"GET", "/_sim/notify", 404, 200},
			{"GET", "/_sim/stats", 404, 200},
			{"POST", "/_sim/inbound", 404, 400},       // an empty body: the simulator's own refusal
			{"POST", SimGraphPrefix + send, 404, 401}, // no bearer token: the platform's refusal
			{"POST", send, 404, 401},
		} {
			for _, h := range []struct {
				name    string
				handler http.Handler
				want    int
			}{{"service", srv.Handler, c.service}, {"simulator", srv.Sim, c.sim}} {
				w := httptest.NewRecorder()
				h.handler.ServeHTTP(w, httptest.NewRequest(c.method, c.path, strings.NewReader("{}")))
				if w.Code != h.want {
					t.Errorf("%s %s on the %s's address: %d; want %d", c.method, c.path, h.name, w.Code, h.want)
				}
			}
		}
		big := strings.Repeat("a", MaxSimBody+1)
		for _, h := range []http.Handler{srv.Handler, srv.Sim} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("POST", "/_sim/inbound", strings.NewReader(big)))
			if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "too_large") {
				t.Errorf("an oversized body: %d %.80s; want 413 too_large", w.Code, w.Body)
			}
		}
	})
}
