// SPDX-License-Identifier: AGPL-3.0-only

package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/campaign"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/postgres"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/whatsapp/sim"
)

// childServe makes this test binary `samtykke serve` (TestMain), configured
// by the SAMTYKKE_* variables the test gives it.
const childServe = "SAMTYKKE_E2E_SERVE"

// replica is one `samtykke serve` process of TestReplicas.
type replica struct {
	name, addr string
	env        []string
	cmd        *exec.Cmd
	log        *lockedLog // its standard error and output: its log
}

// lockedLog is a replica's log, written by its process's pipes.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (r *replica) start(t *testing.T) {
	t.Helper()
	r.cmd = exec.Command(os.Args[0], "-test.run=^$")
	r.cmd.Env = r.env
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
}

// ready waits for the replica's /readyz.
func (r *replica) ready(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get("http://" + r.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready: %v; its log:\n%s", r.name, err, r.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// balancer is the load balancer in front of the replicas: each request goes
// to the next replica in turn, and to the one after when a replica does not
// answer (dead), as a proxy with health checks would.
type balancer struct {
	targets []string
	next    atomic.Uint64
	hits    []atomic.Int64
	client  *http.Client
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for range len(b.targets) {
		i := int(b.next.Add(1)-1) % len(b.targets)
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, b.targets[i]+r.URL.RequestURI(), bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := b.client.Do(req)
		if err != nil {
			continue
		}
		b.hits[i].Add(1)
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		resp.Body.Close()
		return
	}
	http.Error(w, "no replica answers", http.StatusBadGateway)
}

// freeAddrs are loopback addresses free a moment ago, for the replicas to
// listen on (known before they start, for the load balancer).
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().String())
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}

// TestReplicas runs three `samtykke serve` processes on one PostgreSQL
// schema and one simulator, behind a round-robin load balancer that also
// carries the platform's webhooks, and kills the one dispatching with
// SIGKILL in the middle of three campaigns (issue 22 point 7). Every
// message is sent at most once and ends in a final state (invariant 2), the
// sending number's rate holds across the replicas (its token bucket is in
// the database, invariant 12), no status webhook is lost whichever replica
// it reached, the scheduled jobs ran once among the replicas, and a token
// revoked on one replica is refused on another at once (S-02). Several
// replicas need PostgreSQL (the embedded SQLite is one process's).
func TestReplicas(t *testing.T) {
	t.Parallel()
	const (
		contacts  = 700
		campaigns = 3
		rate      = 100 // SAMTYKKE_WHATSAPP_MPS
		total     = contacts * campaigns
	)
	addrs := freeAddrs(t, 3)
	lb := &balancer{hits: make([]atomic.Int64, len(addrs)), client: &http.Client{Timeout: 10 * time.Second}}
	for _, a := range addrs {
		lb.targets = append(lb.targets, "http://"+a)
	}
	front := httptest.NewServer(lb)
	t.Cleanup(front.Close)

	// Every request that reaches the simulator's send path, when it arrived.
	var mu sync.Mutex
	var arrivals []time.Time
	watch := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/messages") {
				mu.Lock()
				arrivals = append(arrivals, time.Now())
				mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	}
	h := startOpts(t, storetest.Postgres, func(s *sim.Config, _ *app.Config) {
		s.MPS, s.PairRateEvery = 0, 0 // the test measures the rate itself
		s.Statuses = []string{"sent", "delivered"}
		s.Latency = sim.Latency{Median: 50 * time.Millisecond}
		s.WebhookURL = front.URL + "/webhooks/whatsapp" // through the load balancer
		s.WebhookRetries, s.WebhookBackoff = 6, 200*time.Millisecond
	}, options{noQueue: true, wrapSim: watch})
	h.subscribeMany(contacts, "offers")

	var base []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SAMTYKKE_") {
			base = append(base, kv)
		}
	}
	replicas := make([]*replica, len(addrs))
	for i, addr := range addrs {
		r := &replica{name: fmt.Sprintf("replica-%d", i+1), addr: addr, log: &lockedLog{}}
		r.env = append(slices.Clone(base), childServe+"=1",
			"SAMTYKKE_DATABASE_URL="+h.store.(*postgres.Store).URL(),
			"SAMTYKKE_MASTER_KEY="+base64.StdEncoding.EncodeToString(h.master),
			"SAMTYKKE_ADDR="+addr, "SAMTYKKE_DATA_DIR="+filepath.Join(t.TempDir(), r.name),
			"SAMTYKKE_REPLICA_ID="+r.name, "SAMTYKKE_PUBLIC_URL="+front.URL,
			"SAMTYKKE_WHATSAPP_TOKEN=e2e", "SAMTYKKE_WHATSAPP_BASE_URL="+h.simURL,
			"SAMTYKKE_WHATSAPP_PHONE_NUMBER_ID="+h.sim.PhoneNumberID(), "SAMTYKKE_WHATSAPP_BUSINESS_NUMBER="+h.sim.DisplayNumber(),
			"SAMTYKKE_WHATSAPP_APP_SECRET="+appSecret, "SAMTYKKE_WHATSAPP_VERIFY_TOKEN=vt",
			fmt.Sprintf("SAMTYKKE_WHATSAPP_MPS=%d", rate), "SAMTYKKE_LOG_LEVEL=warn")
		replicas[i] = r
	}
	for _, r := range replicas {
		r.start(t)
	}
	t.Cleanup(func() {
		for _, r := range replicas {
			if r.cmd != nil && r.cmd.ProcessState == nil {
				_ = r.cmd.Process.Signal(syscall.SIGTERM)
				_ = r.cmd.Wait()
			}
		}
	})
	for _, r := range replicas {
		r.ready(t)
	}

	// Three campaigns on the one sending number, started a moment apart so
	// that their dispatchers may land on different replicas.
	var cs []campaign.Campaign
	for i := range campaigns {
		c := h.offer(func(c *campaign.Campaign) { c.Name = fmt.Sprintf("Vårsalg %d", i+1) })
		h.start(c)
		cs = append(cs, c)
		time.Sleep(200 * time.Millisecond)
	}
	ids := make([]any, 0, len(cs))
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	in := "campaign_id IN ($1, $2, $3)"
	decided := func() int64 {
		return h.count(`SELECT count(*) FROM messages WHERE `+in+` AND status NOT IN ('queued')`, ids...)
	}
	// Whoever runs a dispatcher now.
	dispatching := func() []string {
		var names []string
		rows, err := h.store.(*postgres.Store).Pool().Query(h.ctx,
			`SELECT attempted_by[array_length(attempted_by, 1)] FROM river_job WHERE kind = 'dispatch_campaign' AND state = 'running'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			names = append(names, n)
		}
		return names
	}
	var seen [][]string
	h.waitFor("a third of the messages to be decided", func() bool {
		if d := dispatching(); len(d) > 0 && (len(seen) == 0 || !slices.Equal(seen[len(seen)-1], d)) {
			seen = append(seen, d)
		}
		return decided() > total/3
	})
	// Kill -9 a replica that is dispatching (the first named).
	victims := dispatching()
	if len(victims) == 0 {
		t.Fatal("no dispatcher running a third of the way through")
	}
	var victim *replica
	for _, r := range replicas {
		if r.name == victims[0] {
			victim = r
		}
	}
	if victim == nil {
		t.Fatalf("the dispatcher %q is none of the replicas", victims[0])
	}
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = victim.cmd.Wait()
	killedAt := decided()
	t.Logf("dispatchers seen %v; killed %s with %d of %d decided", seen, victim.name, killedAt, total)

	// A token revoked on one replica is refused on another at once (S-02),
	// while the campaigns go on.
	revokeAcrossReplicas(t, h, replicas, victim)

	// The killed replica stays dead a while (the others carry the webhooks),
	// then its supervisor starts it again under its name: it takes back the
	// dispatcher it was running at once (queue.Config.ID).
	time.Sleep(2 * time.Second)
	victim.log.Write([]byte("--- restarted after SIGKILL ---\n"))
	victim.start(t)
	victim.ready(t)

	deadline := time.Now().Add(90 * time.Second)
	for _, c := range cs {
		for {
			v, err := h.app.Campaign(h.ctx, admin, c.ID)
			if err == nil && v.Status == campaign.Done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("campaign %s not done: %+v; dispatching now: %v", c.Name, v.Counts, dispatching())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if err := h.sim.WaitIdle(h.ctx); err != nil {
		t.Fatal(err)
	}
	// Sent once at most: the simulator never got two requests for one message.
	accepted := map[string]int{}
	for _, m := range h.sim.Messages("") {
		if m.TemplateName == "spring_sale" {
			accepted[m.BizOpaqueCallbackData]++
			if accepted[m.BizOpaqueCallbackData] > 1 {
				t.Fatalf("message %s was sent twice", m.BizOpaqueCallbackData)
			}
		}
	}
	// No status webhook lost: every accepted message reaches "delivered",
	// its last status, whichever replica each of its webhooks reached; the
	// others never reached the platform and stay unknown (never sent again).
	h.waitFor("every accepted message to be delivered", func() bool {
		return h.count(`SELECT count(*) FROM messages WHERE `+in+` AND status = 'delivered'`, ids...) == int64(len(accepted))
	})
	var counts []string
	for _, st := range []string{"queued", "sending", "sent", "delivered", "unknown", "skipped", "failed"} {
		counts = append(counts, fmt.Sprintf("%s=%d", st, h.count(`SELECT count(*) FROM messages WHERE `+in+` AND status = $4`, append(ids, st)...)))
	}
	if n := h.count(`SELECT count(*) FROM messages WHERE `+in, ids...); n != total {
		t.Fatalf("%d messages for %d recipients of %d campaigns", n, contacts, campaigns)
	}
	if n := h.count(`SELECT count(*) FROM messages WHERE `+in+` AND status NOT IN ('delivered', 'unknown')`, ids...); n != 0 {
		t.Fatalf("%d messages not in a final state: %v", n, counts)
	}
	// Those in flight at the kill, at most: three seconds of the rate
	// (app.DispatchConfig.MaxInFlight's default).
	if unknown := total - len(accepted); unknown > 3*rate {
		t.Errorf("%d messages never reached the platform; want only those in flight at the kill (%v)", unknown, counts)
	}
	if h.count(`SELECT count(*) FROM webhook_inbox WHERE processed_at = 0`) != 0 {
		h.waitFor("the webhook inbox to be worked", func() bool {
			return h.count(`SELECT count(*) FROM webhook_inbox WHERE processed_at = 0`) == 0
		})
	}
	// One rate limit across the replicas: no second holds more requests than
	// the rate and the bucket's depth (a tenth of the rate), with a margin
	// for the time between a token's taking and the request's arrival on a
	// loaded machine (two independent buckets would show twice the rate).
	mu.Lock()
	times := slices.Clone(arrivals)
	mu.Unlock()
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	peak, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= time.Second {
			j++
		}
		peak = max(peak, i-j+1)
	}
	if limit := rate + rate/10 + rate/5; peak > limit {
		t.Errorf("%d requests reached the platform within one second; the number's rate is %d (at most %d)", peak, rate, limit)
	}
	// Webhooks reached every replica through the load balancer.
	var hits []int64
	for i := range lb.hits {
		hits = append(hits, lb.hits[i].Load())
		if lb.hits[i].Load() == 0 {
			t.Errorf("no webhook reached %s", replicas[i].name)
		}
	}
	// Scheduled jobs ran once among the replicas (and the restart): one
	// retention run and one signed checkpoint (L-02, RT-01).
	for _, kind := range []string{"retention", "ledger_checkpoint"} {
		if n := h.count(`SELECT count(*) FROM river_job WHERE kind = $1`, kind); n != 1 {
			t.Errorf("%d %s jobs; want 1 among the replicas", n, kind)
		}
	}
	if n := h.count(`SELECT count(*) FROM ledger_checkpoints`); n != 1 {
		t.Errorf("%d ledger checkpoints; want 1 among the replicas", n)
	}
	// The first-run admin token was made once, by one replica.
	if n := h.count(`SELECT count(*) FROM api_tokens WHERE name = 'first-run admin'`); n != 1 {
		t.Errorf("%d first-run admin tokens; want 1 among the replicas", n)
	}
	// No replica logged a recipient's number.
	for _, r := range replicas {
		out := r.log.String()
		for i := 0; i < contacts; i += 7 {
			if strings.Contains(out, number(i)[1:]) {
				t.Fatalf("%s logged a recipient's number in clear", r.name)
			}
		}
	}
	t.Logf("%d requests, peak %d in one second (rate %d); webhooks per replica %v; %s", len(times), peak, rate, hits, strings.Join(counts, " "))
}

// revokeAcrossReplicas creates a token through one live replica, uses it on
// another, revokes it on the first and finds it refused on the second at
// once: each request reads its token's row (S-02).
func revokeAcrossReplicas(t *testing.T, h *harness, replicas []*replica, dead *replica) {
	t.Helper()
	var live []*replica
	for _, r := range replicas {
		if r != dead {
			live = append(live, r)
		}
	}
	a, b := live[0], live[1]
	admin, _, err := h.app.CreateToken(h.ctx, staff.Admin, "replica test")
	if err != nil {
		t.Fatal(err)
	}
	call := func(r *replica, method, path, token, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+r.addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}
	code, body := call(a, "POST", "/api/v1/tokens", admin, `{"role":"marketer","name":"kampanje"}`)
	if code != http.StatusCreated {
		t.Fatalf("create a token on %s: %d %s", a.name, code, body)
	}
	var tok struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.Token == "" {
		t.Fatalf("token answer %s: %v", body, err)
	}
	if code, _ := call(b, "GET", "/api/v1/purposes", tok.Token, ""); code != http.StatusOK {
		t.Fatalf("the new token on %s: %d", b.name, code)
	}
	if code, body := call(a, "POST", "/api/v1/tokens/"+tok.ID+"/revoke", admin, ""); code/100 != 2 {
		t.Fatalf("revoke on %s: %d %s", a.name, code, body)
	}
	if code, _ := call(b, "GET", "/api/v1/purposes", tok.Token, ""); code != http.StatusUnauthorized {
		t.Fatalf("the revoked token on %s right after: %d; want 401", b.name, code)
	}
}
