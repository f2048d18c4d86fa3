// SPDX-License-Identifier: AGPL-3.0-only

package sqlstore

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestMigrationNames: migrations are numbered NNNN_name.up.sql, in order, and
// two sharing a number stop the binary before it touches a database.
func TestMigrationNames(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		files fstest.MapFS
		want  string // error substring; "" means ok
		order []int
	}{
		{"ordered", fstest.MapFS{"0002_b.up.sql": {Data: []byte("x")}, "0001_a.up.sql": {Data: []byte("y")}, "README": {}}, "", []int{1, 2}},
		{"duplicate number", fstest.MapFS{"0001_a.up.sql": {}, "0001_b.up.sql": {}}, "share number 1", nil},
		{"bad name", fstest.MapFS{"1_a.up.sql": {}}, "NNNN_name.up.sql", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := &Store{b: Backend{Migrations: c.files}}
			ms, err := s.migrations()
			if c.want != "" {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("err = %v, want %q", err, c.want)
				}
				return
			}
			if err != nil || len(ms) != len(c.order) {
				t.Fatalf("migrations = %v, %v", ms, err)
			}
			for i, v := range c.order {
				if ms[i].version != v {
					t.Errorf("migration %d has version %d, want %d", i, ms[i].version, v)
				}
			}
		})
	}
}

func TestSplitStatementsKeepsTriggerBodies(t *testing.T) {
	t.Parallel()
	sql := "CREATE TABLE a (x INT);\n-- statement\n-- a comment\nCREATE TRIGGER t BEFORE UPDATE ON a BEGIN SELECT 1; SELECT 2; END;\n-- statement\n-- only a comment\n"
	got := splitStatements(sql)
	if len(got) != 2 || !strings.Contains(got[1], "SELECT 1; SELECT 2; END;") {
		t.Fatalf("splitStatements = %q", got)
	}
}
