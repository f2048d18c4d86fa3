// SPDX-License-Identifier: AGPL-3.0-only

package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// runningSim is a `samtykke whatsapp-sim` started by startSimCmd.
type runningSim struct {
	base, phoneID string
	printed       []string   // what it printed at start, up to the send line
	stop          func() int // cancels the command and returns its exit code
}

// startSimCmd runs `samtykke whatsapp-sim` on a free port with args, reads
// what it prints at start, and stops it at the end of the test at the latest.
func startSimCmd(t *testing.T, args ...string) *runningSim {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, append([]string{"whatsapp-sim", "--addr", "127.0.0.1:0"}, args...),
			func(string) string { return "" }, pw, &stderr)
		pw.Close()
	}()
	r := &runningSim{}
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		line := lines.Text()
		r.printed = append(r.printed, line)
		if m := regexp.MustCompile(`^\s+phone-number-id: (\S+)$`).FindStringSubmatch(line); m != nil {
			r.phoneID = m[1]
		}
		if m := regexp.MustCompile(`^\s+send:\s+POST (http://\S+)/v25\.0/`).FindStringSubmatch(line); m != nil {
			r.base = m[1]
			break
		}
	}
	go io.Copy(io.Discard, pr) //nolint:errcheck
	if r.base == "" {
		cancel()
		t.Fatalf("whatsapp-sim printed no send URL (exit %d); stderr: %s", <-done, stderr.String())
	}
	stopped := false
	var code int
	r.stop = func() int {
		if !stopped {
			stopped = true
			cancel()
			code = <-done
		}
		return code
	}
	t.Cleanup(func() { r.stop() })
	return r
}

// post sends body to the simulator and returns the HTTP status and the Graph
// error code of the answer (0 for none), never the answer itself, which names
// the recipient.
func (r *runningSim) post(t *testing.T, path, body string) (int, int) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer test")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Error struct{ Code any } `json:"error"`
	}
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &e)
	if n, ok := e.Error.Code.(float64); ok {
		return resp.StatusCode, int(n)
	}
	return resp.StatusCode, 0
}

func (r *runningSim) sendTemplate(t *testing.T, name string) (int, int) {
	t.Helper()
	return r.post(t, "/v25.0/"+r.phoneID+"/messages",
		`{"messaging_product":"whatsapp","to":"+4791234567","type":"template","template":{"name":"`+name+`","language":{"code":"nb"}}}`)
}

// TestWhatsappSimPhoneNumberID serves and prints the id given with
// --phone-number-id; the default id is then an unknown object (§1.1, 100).
func TestWhatsappSimPhoneNumberID(t *testing.T) {
	t.Parallel()
	const id = "200000000000002"
	r := startSimCmd(t, "--phone-number-id", id)
	if r.phoneID != id {
		t.Fatalf("printed phone-number-id %q, want %q", r.phoneID, id)
	}
	if code, ec := r.sendTemplate(t, "jul_tilbud"); code != http.StatusOK {
		t.Errorf("send on the given id: HTTP %d code %d", code, ec)
	}
	r.phoneID = sim.DefaultPhoneNumberID
	if code, ec := r.sendTemplate(t, "jul_tilbud"); code != http.StatusBadRequest || ec != 100 {
		t.Errorf("send on the default id: HTTP %d code %d, want 400 100", code, ec)
	}
	if code := r.stop(); code != 0 {
		t.Errorf("exit %d after cancel, want 0", code)
	}
	for _, bad := range []string{"", "12/34", "abc"} {
		if code, _, errOut := run(t, nil, "whatsapp-sim", "--addr", "127.0.0.1:0", "--phone-number-id", bad); code != 2 ||
			!strings.Contains(errOut, "--phone-number-id must be digits") {
			t.Errorf("--phone-number-id %q: exit %d, stderr %q", bad, code, errOut)
		}
	}
}

// TestWhatsappSimSeveralNumbers: several ids are several numbers of one
// account on one address, each with its own throughput ceiling (§3.1): at
// 1 msg/s the second send on a number is refused with 130429 while the
// other number still accepts its first. A repeated id, or --data-dir with
// several, is refused.
func TestWhatsappSimSeveralNumbers(t *testing.T) {
	t.Parallel()
	const first, second = "200000000000002", "200000000000003"
	r := startSimCmd(t, "--phone-number-id", first+","+second, "--mps", "1", "--pair-every", "0")
	if r.phoneID != first+","+second {
		t.Fatalf("printed phone-number-id %q, want both", r.phoneID)
	}
	for _, tt := range []struct {
		id       string
		code, ec int
	}{
		{first, http.StatusOK, 0},
		{first, http.StatusBadRequest, 130429},
		{second, http.StatusOK, 0},
		{second, http.StatusBadRequest, 130429},
		{sim.DefaultPhoneNumberID, http.StatusBadRequest, 100},
	} {
		r.phoneID = tt.id
		if code, ec := r.sendTemplate(t, "jul_tilbud"); code != tt.code || ec != tt.ec {
			t.Errorf("send on %s: HTTP %d code %d, want %d %d", tt.id, code, ec, tt.code, tt.ec)
		}
	}
	if code := r.stop(); code != 0 {
		t.Errorf("exit %d after cancel, want 0", code)
	}
	for _, args := range [][]string{
		{"--phone-number-id", first + "," + first},
		{"--phone-number-id", first + ","},
		{"--phone-number-id", first + "," + second, "--data-dir", t.TempDir()},
	} {
		if code, _, errOut := run(t, nil, append([]string{"whatsapp-sim", "--addr", "127.0.0.1:0"}, args...)...); code != 2 ||
			!strings.Contains(errOut, "--") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a reason", args, code, errOut)
		}
	}
}

// TestWhatsappSimDataDirKeepsTemplates registers a template, stops the
// simulator and starts it again on the same --data-dir: the template is still
// known (§1.3). Before it was registered, a send with it got 132001 (§2.2).
func TestWhatsappSimDataDirKeepsTemplates(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "sim-data")
	r := startSimCmd(t, "--data-dir", dir)
	if code, _ := r.post(t, "/_sim/templates", `{"name":"velkommen","language":"nb","category":"UTILITY"}`); code != http.StatusCreated {
		t.Fatalf("register velkommen: HTTP %d", code)
	}
	if code, ec := r.sendTemplate(t, "jul_tilbud"); code != http.StatusNotFound || ec != 132001 {
		t.Fatalf("before registering: HTTP %d code %d, want 404 132001", code, ec)
	}
	if code, _ := r.post(t, "/_sim/templates", `{"name":"jul_tilbud","language":"nb"}`); code != http.StatusCreated {
		t.Fatalf("register jul_tilbud: HTTP %d", code)
	}
	if code := r.stop(); code != 0 {
		t.Fatalf("exit %d after cancel, want 0", code)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, sim.TemplatesFileName): 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v, want mode %v", filepath.Base(path), err, want)
		}
	}

	r = startSimCmd(t, "--data-dir", dir)
	if code, ec := r.sendTemplate(t, "jul_tilbud"); code != http.StatusOK {
		t.Errorf("after restart: HTTP %d code %d, want the kept template accepted", code, ec)
	}
	if code, ec := r.sendTemplate(t, "tilbud_paaske"); ec != 132001 {
		t.Errorf("an unregistered template after restart: HTTP %d code %d, want 132001", code, ec)
	}
	// Without the folder the simulator starts empty.
	r = startSimCmd(t, "--mps", "0")
	if code, _ := r.post(t, "/_sim/templates", `{"name":"velkommen","language":"nb"}`); code != http.StatusCreated {
		t.Fatal("register")
	}
	if code, ec := r.sendTemplate(t, "jul_tilbud"); ec != 132001 {
		t.Errorf("without --data-dir: HTTP %d code %d, want 132001", code, ec)
	}
}

// TestWhatsappSimLatency answers sends after --latency/--latency-p99 (the
// platform's answer time, docs/platform.md), printed at start, each on its
// own time: 100 sends at once on separate connections are answered in well
// under 100 × the median.
func TestWhatsappSimLatency(t *testing.T) {
	t.Parallel()
	r := startSimCmd(t, "--latency", "50ms", "--latency-p99", "120ms", "--latency-seed", "9", "--mps", "0", "--pair-every", "0")
	if !slices.Contains(r.printed, "  answer time: median 50ms, p99 120ms") {
		t.Errorf("printed %q, want the answer time", r.printed)
	}
	const n = 100
	tr := &http.Transport{MaxIdleConnsPerHost: n}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, r.base+"/v25.0/"+r.phoneID+"/messages",
				strings.NewReader(`{"messaging_product":"whatsapp","to":"+4791234567","type":"template","template":{"name":"jul_tilbud","language":{"code":"nb"}}}`))
			req.Header.Set("Authorization", "Bearer test")
			resp, err := client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("send %d: HTTP %d", i, resp.StatusCode)
			}
		})
	}
	wg.Wait()
	total := time.Since(start)
	if total >= 2*time.Second {
		t.Errorf("%d sends at once: all in %v, want < 2 s", n, total)
	}
	// Each waited its draw: a mean of median × exp(σ²/2), about 54 ms here.
	resp, err := http.Get(r.base + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	var st sim.Stats
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil || st.Waits != n || st.WaitMS < 46*n || st.WaitMS > 62*n {
		t.Errorf("stats: %d waits, %d ms in all (%v); want %d waits of about 54 ms", st.Waits, st.WaitMS, err, n)
	}
	if code := r.stop(); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	for _, args := range [][]string{
		{"--latency-p99", "100ms"},
		{"--latency", "100ms", "--latency-p99", "50ms"},
		{"--latency", "-1ms"},
	} {
		if code, _, errOut := run(t, nil, append([]string{"whatsapp-sim", "--addr", "127.0.0.1:0"}, args...)...); code != 2 ||
			!strings.Contains(errOut, "--latency must be positive") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}
