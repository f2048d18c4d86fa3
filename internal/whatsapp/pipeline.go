// SPDX-License-Identifier: AGPL-3.0-only

package whatsapp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of ClientConfig's batch sending.
const (
	// DefaultPipeline is how many requests SendBatch writes on a connection
	// before it reads their answers.
	DefaultPipeline = 8
	// DefaultConns is how many connections SendBatch keeps.
	DefaultConns = 32
)

// maxIdle is how long an unused batch connection is kept.
const maxIdle = 30 * time.Second

// slowAnswer is the time a server takes for each request from which
// pipelining stops paying: a connection answers its requests one after
// another, so above it each request gets a connection of its own and the
// requests in flight scale with rate × answer time (the platform answers
// in 100-500 ms). It is read from the gaps between consecutive answers on
// a connection, not from the first answer's wait, which a busy but fast
// server's queue lengthens too.
const slowAnswer = 20 * time.Millisecond

// probeEvery is how often, once answers are slow, a batch is written two
// requests a connection all the same, to see whether they still are (the
// second request of each pair waits one answer time more).
const probeEvery = 64

// keepIdle is how many unused connections a pipeline keeps: enough for the
// requests in flight of a number at 1,000 msg/s against answers of about
// 250 ms, so that the next batch does not dial again.
const keepIdle = 1024

// BatchResult is the outcome of one request of SendBatch.
type BatchResult struct {
	Result SendResult
	// Err is classified as Send's errors are (see the package documentation).
	Err error
	// Sent is when the request was written; zero when it never was.
	Sent time.Time
}

// SendBatch sends many message requests at once and returns their outcomes
// in order. Each request is checked and filled as Send does.
//
// With pipelining (ClientConfig.Pipeline), a connection carries up to that
// many requests in one write and reads their answers in order (RFC 9112
// §9.3.2): a campaign then costs a fraction of the system calls of one
// exchange a message. The price is that a connection lost mid-way leaves
// every request written on it and not yet answered ambiguous, not only one;
// requests the server had said it would not read (Connection: close) or that
// were never written are ErrNotSent.
func (c *Client) SendBatch(ctx context.Context, reqs []*MessageRequest) []BatchResult {
	out := make([]BatchResult, len(reqs))
	ready := make([]int, 0, len(reqs))
	for i, r := range reqs {
		if err := prepare(r); err != nil {
			out[i].Err = err
			continue
		}
		ready = append(ready, i)
	}
	depth := 1
	var bodies [][]byte
	var answers []answer
	if c.pipe != nil {
		bodies, ready = encodeBodies(reqs, ready, out)
		depth, answers = c.pipe.currentDepth(), make([]answer, len(reqs))
	}
	chunks := (len(ready) + depth - 1) / depth
	workers := chunks // every request leaves at once: no request waits for another's answer
	if depth > 1 {
		workers = min(c.conns, chunks) // answers come fast: a few connections carry the batch
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= chunks {
					return
				}
				chunk := ready[k*depth : min((k+1)*depth, len(ready))]
				if c.pipe == nil {
					i := chunk[0]
					out[i].Sent = time.Now()
					out[i].Result, out[i].Err = c.send(ctx, reqs[i])
					continue
				}
				c.pipe.exchange(ctx, bodies, chunk, out, answers)
			}
		})
	}
	wg.Wait()
	for i, a := range answers { // decoded here too, for the same reason
		if a.resp == nil || out[i].Err != nil {
			continue
		}
		var sr SendResponse
		if out[i].Err = decodeAnswer(a.resp, a.data, a.readErr, &sr); out[i].Err == nil {
			out[i].Result, out[i].Err = c.accepted(ctx, reqs[i], sr)
		}
	}
	return out
}

// encodeBodies encodes the ready requests' JSON, by their index in reqs,
// and returns those that encoded (the others get their error in out). It
// runs on the caller's goroutine, not on the one each request gets: a new
// goroutine's stack would grow (and be copied) for the encoder's
// reflection, every request again (docs/performance.md).
func encodeBodies(reqs []*MessageRequest, ready []int, out []BatchResult) (bodies [][]byte, encoded []int) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	ends := make([]int, 0, len(ready)) // where each encoded request's JSON ends in buf
	encoded = ready[:0]
	for _, i := range ready {
		start := buf.Len()
		if err := enc.Encode(reqs[i]); err != nil {
			buf.Truncate(start)
			out[i].Err = invalidf("encode: %v", err)
			continue
		}
		ends, encoded = append(ends, buf.Len()), append(encoded, i)
	}
	bodies = make([][]byte, len(reqs))
	start := 0
	for k, end := range ends { // the buffer has stopped growing, and moving
		bodies[encoded[k]] = buf.Bytes()[start:end:end]
		start = end
	}
	return bodies, encoded
}

// answer is one pipelined request's answer as read, decoded after.
type answer struct {
	resp    *http.Response // nil: none was read
	data    []byte
	readErr error
}

// pipeline is SendBatch's pool of HTTP/1.1 connections to the Graph host.
type pipeline struct {
	addr    string
	tls     *tls.Config // nil for http
	depth   int
	timeout time.Duration
	// head is every request's start line and headers up to Content-Length's value.
	head []byte

	// service is a moving average of the time between consecutive answers
	// on a connection, in nanoseconds; probes counts the batches since.
	service atomic.Int64
	probes  atomic.Int64

	mu   sync.Mutex
	idle []*pconn
	max  int
}

// currentDepth is how many requests to write on a connection at once: the
// configured depth while the server takes little time for each, one when
// it takes long, but now and then two, to measure again.
func (p *pipeline) currentDepth() int {
	switch {
	case time.Duration(p.service.Load()) < slowAnswer:
		return p.depth
	case p.probes.Add(1)%probeEvery == 0:
		return min(2, p.depth)
	}
	return 1
}

// observe folds the time between two answers into the moving average
// (weight 1/8).
func (p *pipeline) observe(d time.Duration) {
	old := p.service.Load()
	p.service.Store(old + (int64(d)-old)/8)
}

// pconn is one connection of a pipeline.
type pconn struct {
	net.Conn
	br   *bufio.Reader
	req  bytes.Buffer // the requests of one write
	used time.Time
	// written are the chunk's requests in req, and starts where each begins.
	written, starts []int
}

func newPipeline(endpoint *url.URL, auth string, depth, conns int, timeout time.Duration, tc *tls.Config) *pipeline {
	port := endpoint.Port()
	if port == "" {
		port = "80"
		if endpoint.Scheme == "https" {
			port = "443"
		}
	}
	// Room to keep connections for a few batches at once (a benchmark's tight
	// client): dialling anew costs more than an idle socket.
	p := &pipeline{addr: net.JoinHostPort(endpoint.Hostname(), port), depth: depth, timeout: timeout, max: max(4*conns, keepIdle)}
	if endpoint.Scheme == "https" {
		p.tls = tc.Clone()
		if p.tls.ServerName == "" {
			p.tls.ServerName = endpoint.Hostname()
		}
		p.tls.NextProtos = []string{"http/1.1"}
	}
	p.head = fmt.Appendf(nil, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: samtykke\r\nAuthorization: %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: ", endpoint.RequestURI(), endpoint.Host, auth)
	return p
}

// get returns an idle connection that is still open, or a new one.
func (p *pipeline) get(ctx context.Context) (*pconn, error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		pc := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if time.Since(pc.used) < maxIdle && pc.br.Buffered() == 0 && !peerClosed(pc.Conn) {
			p.mu.Unlock()
			return pc, nil
		}
		pc.Close()
	}
	p.mu.Unlock()
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	var conn net.Conn
	var err error
	if p.tls != nil {
		conn, err = (&tls.Dialer{NetDialer: d, Config: p.tls}).DialContext(ctx, "tcp", p.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", p.addr)
	}
	if err != nil {
		return nil, err
	}
	return &pconn{Conn: conn, br: bufio.NewReaderSize(conn, 16<<10)}, nil
}

// put keeps a connection whose every answer was read.
func (p *pipeline) put(pc *pconn) {
	pc.used = time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) >= p.max {
		pc.Close()
		return
	}
	p.idle = append(p.idle, pc)
}

// exchange writes the chunk's requests (their JSON bodies) on one
// connection and reads their answers into answers, leaving in out when
// each was written and why it failed when no answer was read.
func (p *pipeline) exchange(ctx context.Context, bodies [][]byte, chunk []int, out []BatchResult, answers []answer) {
	pc, err := p.get(ctx)
	if err != nil {
		for _, i := range chunk {
			out[i].Err = fmt.Errorf("%w: %w", ErrNotSent, err)
		}
		return
	}
	written, starts := pc.written[:0], pc.starts[:0]
	pc.req.Reset()
	for _, i := range chunk {
		starts = append(starts, pc.req.Len())
		pc.req.Write(p.head)
		pc.req.Write(strconv.AppendInt(pc.req.AvailableBuffer(), int64(len(bodies[i])), 10))
		pc.req.WriteString("\r\n\r\n")
		pc.req.Write(bodies[i])
		written = append(written, i)
	}
	deadline := time.Now().Add(p.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = pc.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = pc.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	at := time.Now()
	n, err := pc.Write(pc.req.Bytes())
	if err != nil {
		for j, i := range written {
			if starts[j] >= n {
				out[i].Err = fmt.Errorf("%w: %w", ErrNotSent, err)
			} else {
				out[i].Sent, out[i].Err = at, fmt.Errorf("%w: %w", ErrAmbiguous, err)
			}
		}
		pc.Close()
		return
	}
	for _, i := range written {
		out[i].Sent = at
	}
	last := at
	for j, i := range written {
		resp, err := http.ReadResponse(pc.br, nil)
		if err == nil {
			if now := time.Now(); j > 0 {
				p.observe(now.Sub(last)) // the server's time for this request
				last = now
			} else {
				last = now
			}
		}
		if err != nil {
			for _, k := range written[j:] {
				out[k].Err = fmt.Errorf("%w: %w", ErrAmbiguous, err)
			}
			pc.Close()
			return
		}
		data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
		if readErr == nil && len(data) > maxResponseBody {
			readErr = errors.New("answer too long")
		}
		answers[i] = answer{resp: resp, data: data, readErr: readErr}
		switch {
		case readErr != nil:
			// The next answer's start is lost with this one's end.
			for _, k := range written[j+1:] {
				out[k].Err = fmt.Errorf("%w: the answer before was unreadable: %w", ErrAmbiguous, readErr)
			}
			pc.Close()
			return
		case resp.Close:
			// A server that answers "close" reads no further request (RFC 9112 §9.6).
			for _, k := range written[j+1:] {
				out[k].Sent, out[k].Err = time.Time{}, fmt.Errorf("%w: the server closed the connection before it", ErrNotSent)
			}
			pc.Close()
			return
		}
	}
	pc.written, pc.starts = written, starts // kept for the connection's next chunk
	p.put(pc)
}
