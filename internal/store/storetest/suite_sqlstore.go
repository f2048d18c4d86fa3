// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"testing"
)

func exerciseMigrate(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Open(t)
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	ok, err := s.SchemaCurrent(ctx)
	if err != nil || !ok {
		t.Fatalf("SchemaCurrent = %v, %v; want true", ok, err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}
