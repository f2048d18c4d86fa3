// SPDX-License-Identifier: AGPL-3.0-only

package api_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samtykke/samtykke/internal/api"
	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/postgres"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/vault"
)

// TestRevokedTokenRefusedOnEveryReplica runs two app instances, each with
// its own connection pool, on one PostgreSQL database, as two replicas of
// serve do: a token revoked through one is refused by the other at its next
// request, and a token past its expiry is refused by both; nothing is cached (issue 22, S-02).
func TestRevokedTokenRefusedOnEveryReplica(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresSchema(t)
	master := make([]byte, vault.KeySize)
	_, _ = rand.Read(master)
	ctx := context.Background()
	type replica struct {
		app *app.App
		url string
	}
	var rs []replica
	var stores []store.Store
	for i := range 2 {
		s, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
		if i == 0 {
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		v, _ := vault.New(master)
		log := slog.New(slog.DiscardHandler)
		a := app.New(s, v, app.Config{PublicURL: "http://x"}, log)
		mux := http.NewServeMux()
		srvAPI := api.New(a, log, prometheus.NewRegistry())
		srvAPI.Register(mux)
		srv := httptest.NewServer(httpx.Middleware(log, srvAPI.Observe, mux))
		t.Cleanup(srv.Close)
		rs = append(rs, replica{app: a, url: srv.URL})
	}
	status := func(r replica, method, path, token string) int {
		t.Helper()
		req, _ := http.NewRequest(method, r.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	admin, _, err := rs[0].app.CreateToken(ctx, staff.Admin, "admin")
	if err != nil {
		t.Fatal(err)
	}
	secret, tok, err := rs[0].app.CreateToken(ctx, staff.Integrator, "kassa")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if st := status(r, "GET", "/api/v1/purposes", secret); st != 200 {
			t.Fatalf("replica %d before the revocation: %d, want 200", i, st)
		}
	}
	if st := status(rs[0], "POST", "/api/v1/tokens/"+tok.ID+"/revoke", admin); st != 200 {
		t.Fatalf("revoke on replica 0: %d", st)
	}
	for i, r := range rs {
		if st := status(r, "GET", "/api/v1/purposes", secret); st != 401 {
			t.Errorf("replica %d after the revocation on replica 0: %d, want 401", i, st)
		}
	}

	// A token past its expiry is refused by both; the store is the first
	// replica's, the clock the real one.
	gone, hash := staff.NewSecret()
	past := staff.Token{ID: "expired", Name: "revisor", Role: staff.Auditor, Hash: hash,
		CreatedAt: time.Now().Add(-2 * time.Hour), ExpiresAt: time.Now().Add(-time.Second)}
	if err := stores[0].Tx(ctx, func(tx store.Tx) error { return tx.CreateToken(ctx, past) }); err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if st := status(r, "GET", "/api/v1/purposes", gone); st != 401 {
			t.Errorf("replica %d, a token past its expiry: %d, want 401", i, st)
		}
	}
}
