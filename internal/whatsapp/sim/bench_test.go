// SPDX-License-Identifier: AGPL-3.0-only

package sim_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

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

// BenchmarkTransportAtLatency compares, against answers that take tens of
// milliseconds (as the platform's take hundreds), the CPU a request costs
// client and simulator together (one process) with the product's client
// (batches of 8; once answers are slow, a connection for each request in
// flight and no pipelining; twice the callers, as a batch waits for its
// slowest answer), the standard library's HTTP/1.1 client with keep-alive,
// and its HTTP/2 client (unencrypted, up to 250 streams a connection), each
// with about 400 requests in flight. Issue 17 point 1 asked whether the
// simpler standard clients do the job as well (docs/performance.md):
//
//	go test -run X -bench TransportAtLatency -benchtime 20000x ./internal/whatsapp/sim
func BenchmarkTransportAtLatency(b *testing.B) {
	const inFlight = 400
	body := func(i int64) []byte {
		return fmt.Appendf(nil, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+479%07d","type":"template","template":{"name":"spring_offer","language":{"code":"nb"}},"biz_opaque_callback_data":"outbox:%d"}`, i%10_000_000, i)
	}
	serve := func(b *testing.B, h2c bool) (*sim.Server, *httptest.Server) {
		s, err := sim.New(sim.Config{Latency: sim.Latency{Median: 40 * time.Millisecond, P99: 100 * time.Millisecond}, LatencySeed: 7})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewUnstartedServer(s.Handler())
		if h2c {
			var p http.Protocols
			p.SetHTTP1(true)
			p.SetUnencryptedHTTP2(true)
			srv.Config.Protocols = &p
		}
		srv.Start()
		b.Cleanup(func() { srv.Close(); s.Close() })
		return s, srv
	}
	// run spreads b.N requests over workers, per a call of send, and reports
	// the rate and the process's CPU a request.
	run := func(b *testing.B, workers, per int, send func(i int64) error) {
		var next atomic.Int64
		var wg sync.WaitGroup
		cpu0 := processCPU()
		b.ResetTimer()
		for range workers {
			wg.Go(func() {
				for i := next.Add(int64(per)); i <= int64(b.N+per-1); i = next.Add(int64(per)) {
					if err := send(i); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		n := float64(b.N)
		b.ReportMetric(n/b.Elapsed().Seconds(), "msg/s")
		b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/n, "cpu-µs/msg")
	}
	stdlib := func(b *testing.B, h2c bool) {
		s, srv := serve(b, h2c)
		tr := &http.Transport{MaxIdleConns: 2 * inFlight, MaxIdleConnsPerHost: 2 * inFlight}
		var p http.Protocols
		if h2c {
			p.SetUnencryptedHTTP2(true)
		} else {
			p.SetHTTP1(true)
		}
		tr.Protocols = &p
		client := &http.Client{Transport: tr}
		defer tr.CloseIdleConnections()
		url := srv.URL + "/v25.0/" + sim.DefaultPhoneNumberID + "/messages"
		run(b, inFlight, 1, func(i int64) error {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body(i)))
			req.Header.Set("Authorization", "Bearer bench")
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("HTTP %d", resp.StatusCode)
			}
			if (resp.ProtoMajor == 2) != h2c {
				return fmt.Errorf("answered over %s", resp.Proto)
			}
			return nil
		})
		if st := s.Stats(); st.Accepted != int64(b.N) {
			b.Fatalf("accepted %d of %d", st.Accepted, b.N)
		}
	}
	b.Run("client", func(b *testing.B) {
		const batch = 8
		s, srv := serve(b, false)
		c, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: srv.URL, Token: "bench", PhoneNumberID: sim.DefaultPhoneNumberID})
		if err != nil {
			b.Fatal(err)
		}
		tpl := whatsapp.Template{Name: "spring_offer", Language: whatsapp.Language{Code: "nb"}}
		var next atomic.Int64
		run(b, 2*inFlight/batch, batch, func(int64) error {
			reqs := make([]*whatsapp.MessageRequest, batch)
			for j := range reqs {
				reqs[j] = &whatsapp.MessageRequest{To: fmt.Sprintf("+479%07d", next.Add(1)%10_000_000), Type: whatsapp.TypeTemplate, Template: &tpl}
			}
			for _, r := range c.SendBatch(b.Context(), reqs) {
				if r.Err != nil {
					return r.Err
				}
			}
			return nil
		})
		if st := s.Stats(); st.Accepted < int64(b.N) {
			b.Fatalf("accepted %d of %d", st.Accepted, b.N)
		}
	})
	b.Run("http1", func(b *testing.B) { stdlib(b, false) })
	b.Run("h2c", func(b *testing.B) { stdlib(b, true) })
}

// processCPU is this process's user and system time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
