// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"fmt"
	"log/slog"

	"github.com/samtykke/samtykke/internal/config"
)

// banner says where the running service answers: lines on standard output
// for a person at a terminal (the text format), or one INFO log record
// among the others in the JSON format, for a log collector to read.
// simBase is the built-in simulator's own address, empty with the Cloud API.
func banner(e env, log *slog.Logger, cfg config.Config, base, backend, simBase string) {
	simulated := simBase != ""
	if cfg.LogFormat == "json" {
		whatsApp := "cloud_api"
		if simulated {
			whatsApp = "simulator"
		}
		attrs := []any{"url", base, "backend", backend, "optin_url", cfg.PublicURL + "/optin",
			"privacy_url", cfg.PublicURL + "/privacy", "api_url", base + "/api/v1/", "openapi_url", base + "/api/openapi.json",
			"health_url", base + "/healthz", "ready_url", base + "/readyz", "metrics_url", base + "/metrics", "whatsapp", whatsApp}
		if simulated {
			attrs = append(attrs, "simulator_url", simBase+"/_sim/messages")
		}
		log.Info("samtykke is running", attrs...)
		return
	}
	fmt.Fprintf(e.stdout, "samtykke is running on %s (%s)\n", base, backend)
	fmt.Fprintf(e.stdout, "  opt-in:   %s/optin   privacy notice: %s/privacy\n", cfg.PublicURL, cfg.PublicURL)
	fmt.Fprintf(e.stdout, "  API:      %s/api/v1/   (OpenAPI: %s/api/openapi.json)\n", base, base)
	fmt.Fprintf(e.stdout, "  health:   %s/healthz  %s/readyz   metrics: %s/metrics\n", base, base, base)
	if simulated {
		fmt.Fprintf(e.stdout, "  WhatsApp: built-in simulator (no Cloud API token set) on its own address: %s/_sim/messages\n", simBase)
	}
}
