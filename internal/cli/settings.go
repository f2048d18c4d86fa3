// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"bytes"
	"strings"

	"github.com/samtykke/samtykke/internal/admin"
	"github.com/samtykke/samtykke/internal/config"
)

// settings is the configuration as the staff pages' settings page shows
// it: what `samtykke check-config` prints, secrets redacted (config.Dump).
func settings(e env, flags map[string]*string) []admin.Setting {
	var buf bytes.Buffer
	config.Dump(&buf, e.getenv, flags)
	var out []admin.Setting
	for line := range strings.Lines(buf.String()) {
		k, v, _ := strings.Cut(strings.TrimRight(line, "\n"), "=")
		out = append(out, admin.Setting{Key: k, Value: v})
	}
	return out
}
