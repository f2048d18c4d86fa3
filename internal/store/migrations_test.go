// SPDX-License-Identifier: AGPL-3.0-only

package store_test

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestBothStoresHaveTheSameMigrations: every schema change has its number
// on both backends, none is missing or doubled, and each name follows
// NNNN_name.up.sql (a migration made for one store only is a bug waiting).
func TestBothStoresHaveTheSameMigrations(t *testing.T) {
	t.Parallel()
	name := regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.up\.sql$`)
	numbers := func(dir string) []string {
		t.Helper()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			m := name.FindStringSubmatch(e.Name())
			if m == nil {
				t.Errorf("%s/%s is not named NNNN_name.up.sql", dir, e.Name())
				continue
			}
			if slices.Contains(out, m[1]) {
				t.Errorf("%s: migration %s twice", dir, m[1])
			}
			out = append(out, m[1])
		}
		return out
	}
	sqlite, postgres := numbers("sqlite/migrations"), numbers("postgres/migrations")
	if !slices.Equal(sqlite, postgres) {
		t.Errorf("migration numbers differ: sqlite %v, postgres %v", sqlite, postgres)
	}
	for i, n := range sqlite {
		if want := i + 1; n != fmt.Sprintf("%04d", want) {
			t.Errorf("migration %s where %s was expected: numbers must not skip", n, fmt.Sprintf("%04d", want))
			break
		}
	}
}
