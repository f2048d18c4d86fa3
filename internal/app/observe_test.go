// SPDX-License-Identifier: AGPL-3.0-only

package app_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/metrics"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// counted reads a counter series of the registry; 0 when absent.
func counted(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if mf.GetName() == name && l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestObservedOnlyOnceCommitted: what a transaction notes reaches the
// metrics only if it commits; a batch refused at its second row (invariant
// 8) counts nothing of its first. A withdrawal through the API is counted
// with the api trigger, one from the preference centre with the web one.
func TestObservedOnlyOnceCommitted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		reg := prometheus.NewRegistry()
		tb := setupWith(t, b, app.Config{Observer: metrics.New(reg, nil, nil)})
		tb.seed(t)

		bad := confirmed("+4791234568")
		bad.Subject = app.Subject{ContactID: "no-such-contact"}
		if _, err := tb.app.RecordConsents(tb.ctx, integrator, []app.ConsentInput{confirmed("+4791234567"), bad}); err == nil {
			t.Fatal("a batch with an unknown contact was recorded")
		}
		if n := counted(t, reg, "samtykke_consent_events_total", "kind", "confirmed"); n != 0 {
			t.Fatalf("a rolled-back batch counted %v confirmed events", n)
		}
		rec := tb.consented(t, "+4791234567")
		if n := counted(t, reg, "samtykke_consent_events_total", "kind", "confirmed"); n != 1 {
			t.Fatalf("confirmed events = %v, want 1", n)
		}
		// A withdrawal through the API counts as such, whatever method its
		// caller says the person used.
		if _, err := tb.app.Withdraw(tb.ctx, integrator, app.WithdrawInput{Subject: app.Subject{ContactID: rec.ContactID},
			Purpose: "offers", Method: "keyword"}); err != nil {
			t.Fatal(err)
		}
		if n, kw := counted(t, reg, "samtykke_optouts_total", "trigger", "api"), counted(t, reg, "samtykke_optouts_total", "trigger", "keyword"); n != 1 || kw != 0 {
			t.Fatalf("opt-outs by api = %v, by keyword = %v; want 1 and 0", n, kw)
		}
		// The preference centre's link is the web trigger.
		link := tb.app.PreferencesLink(rec.ContactID)
		if _, err := tb.app.WithdrawByLink(tb.ctx, link[strings.LastIndex(link, "/")+1:], "all"); err != nil {
			t.Fatal(err)
		}
		if n := counted(t, reg, "samtykke_optouts_total", "trigger", "web"); n != 1 {
			t.Fatalf("opt-outs by web = %v, want 1", n)
		}
	})
}
