// SPDX-License-Identifier: AGPL-3.0-only

package metrics_test

import (
	"maps"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/metrics"
)

// TestCodesStayBounded: a platform error code the reference lists is its
// own label value; any other is "other", so that a platform inventing codes
// cannot grow the series without bound; no code is "none".
func TestCodesStayBounded(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, nil, nil)
	m.StatusApplied(message.Failed, 131026, 1)
	m.StatusApplied(message.Failed, 987654, 1)
	m.StatusApplied(message.Failed, 987655, 2)
	m.SendAnswered(message.Sent, 0, 3)
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, s := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range s.GetLabel() {
				key += " " + l.GetName() + "=" + l.GetValue()
			}
			if v := s.GetCounter().GetValue(); v != 0 {
				got[key] = v
			}
		}
	}
	want := map[string]float64{
		"samtykke_message_sends_total code=none status=sent":        3,
		"samtykke_message_statuses_total code=131026 status=failed": 1,
		"samtykke_message_statuses_total code=other status=failed":  3,
	}
	if !maps.Equal(got, want) {
		t.Errorf("series = %v, want %v", got, want)
	}
}
