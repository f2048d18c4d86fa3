// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/store/postgres"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/vault"
)

// pgReplicas is n app instances on one fresh PostgreSQL schema, each with
// its own connection pool and the same master key, as n replicas of serve
// are.
func pgReplicas(t *testing.T, n int, cfg app.Config) []*app.App {
	t.Helper()
	url := storetest.PostgresSchema(t)
	master := make([]byte, vault.KeySize)
	_, _ = rand.Read(master)
	ctx := context.Background()
	var rs []*app.App
	for i := range n {
		s, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if i == 0 {
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		v, _ := vault.New(master)
		rs = append(rs, app.New(s, v, cfg, slog.New(slog.DiscardHandler)))
	}
	return rs
}
