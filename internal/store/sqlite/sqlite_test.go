// SPDX-License-Identifier: AGPL-3.0-only

package sqlite_test

import (
	"testing"

	"github.com/samtykke/samtykke/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, storetest.SQLite)
}
