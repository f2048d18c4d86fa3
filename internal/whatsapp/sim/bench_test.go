// SPDX-License-Identifier: AGPL-3.0-only

package sim_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/samtykke/samtykke/internal/whatsapp"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// BenchmarkSimSend measures raw accepted sends per second through the Handler:
// a real loopback server, keep-alive connections, a few goroutines per CPU,
// unlimited throughput and no pair limit, no webhooks.
func BenchmarkSimSend(b *testing.B) {
	s, err := sim.New(sim.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	client := &http.Client{Transport: tr}
	url := srv.URL + "/v25.0/" + sim.DefaultPhoneNumberID + "/messages"

	var n atomic.Int64
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := fmt.Appendf(nil, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+479%07d","type":"template","template":{"name":"spring_offer","language":{"code":"nb"}},"biz_opaque_callback_data":"outbox:%d"}`, i%10_000_000, i)
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer bench")
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("HTTP %d", resp.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
	if st := s.Stats(); st.Accepted != int64(b.N) {
		b.Fatalf("accepted %d of %d", st.Accepted, b.N)
	}
}

// BenchmarkSimSendClient is BenchmarkSimSend through whatsapp.Client.
func BenchmarkSimSendClient(b *testing.B) {
	s, err := sim.New(sim.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	c, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: srv.URL, Token: "bench", PhoneNumberID: sim.DefaultPhoneNumberID,
		HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		b.Fatal(err)
	}
	tpl := whatsapp.Template{Name: "spring_offer", Language: whatsapp.Language{Code: "nb"}}
	var n atomic.Int64
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if _, err := c.SendTemplate(b.Context(), fmt.Sprintf("+479%07d", i%10_000_000), tpl, "outbox"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}
