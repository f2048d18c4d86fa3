// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/dpia"
	"github.com/samtykke/samtykke/internal/store"
)

// exerciseDPIA covers the DPIA's versions (D-01, D-02): each saved whole,
// the newest read by default, an existing version refused, the table
// append-only beneath the API.
func exerciseDPIA(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	if _, err := s.DPIA(ctx, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no DPIA yet: %v", err)
	}
	at := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	for v := 1; v <= 2; v++ {
		d := dpia.Document{Version: v, At: at.Add(time.Duration(v) * time.Hour), Author: "token:1:dpo", Description: "v",
			Risks: []dpia.Risk{{ID: "disappearance", Severity: dpia.Level(v), Measures: []string{"backups"}}}, PurposesHash: "h"}
		tx(t, s, func(tx store.Tx) error { return tx.AddDPIA(ctx, d) })
	}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.AddDPIA(ctx, dpia.Document{Version: 2}) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("version 2 again: %v", err)
	}
	newest, err := s.DPIA(ctx, 0)
	if err != nil || newest.Version != 2 || newest.Risks[0].Severity != 2 || !newest.At.Equal(at.Add(2*time.Hour)) {
		t.Errorf("the newest: %+v, %v", newest, err)
	}
	if first, err := s.DPIA(ctx, 1); err != nil || first.Version != 1 || first.Risks[0].Severity != 1 {
		t.Errorf("version 1: %+v, %v", first, err)
	}
	if _, err := s.DPIA(ctx, 3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("version 3: %v", err)
	}
	vs, err := s.DPIAVersions(ctx)
	if err != nil || len(vs) != 2 || vs[0].Version != 2 || vs[1].Author != "token:1:dpo" {
		t.Errorf("versions: %+v, %v", vs, err)
	}
	if err := b.Exec(t, s, `UPDATE dpia_versions SET author = 'x'`); err == nil {
		t.Error("a saved version was changed beneath the API")
	}
	if err := b.Exec(t, s, `DELETE FROM dpia_versions`); err == nil {
		t.Error("a saved version was deleted beneath the API")
	}
}
