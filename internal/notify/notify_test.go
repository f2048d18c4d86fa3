// SPDX-License-Identifier: AGPL-3.0-only

package notify

import (
	"bufio"
	"context"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// smtpSink is a minimal SMTP server that takes one message: enough to see
// what SMTP.SendEmail puts on the wire.
func smtpSink(t *testing.T) (addr string, got chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		tp := textproto.NewConn(c)
		_ = tp.PrintfLine("220 sink ESMTP")
		var data strings.Builder
		for {
			line, err := tp.ReadLine()
			if err != nil {
				return
			}
			switch cmd := strings.ToUpper(strings.Fields(line + " x")[0]); cmd {
			case "EHLO", "HELO":
				_ = tp.PrintfLine("250 sink")
			case "MAIL", "RCPT", "RSET", "NOOP":
				_ = tp.PrintfLine("250 ok")
			case "DATA":
				_ = tp.PrintfLine("354 go on")
				r := bufio.NewReader(tp.DotReader())
				for {
					l, err := r.ReadString('\n')
					data.WriteString(l)
					if err != nil {
						break
					}
				}
				_ = tp.PrintfLine("250 queued")
				got <- data.String()
			case "QUIT":
				_ = tp.PrintfLine("221 bye")
				return
			default:
				_ = tp.PrintfLine("502 not here")
			}
		}
	}()
	return ln.Addr().String(), got
}

func TestSMTPSendsOnePlainMessage(t *testing.T) {
	t.Parallel()
	addr, got := smtpSink(t)
	m := SMTP{Addr: addr, From: "samtykke@butikken.no"}
	if err := m.SendEmail(context.Background(), "kari@example.no", "Butikken AS – bekreft", "Bekreft her: http://x/confirm/abc"); err != nil {
		t.Fatal(err)
	}
	select {
	case body := <-got:
		for _, want := range []string{"To: kari@example.no", "Subject: =?utf-8?q?", "charset=utf-8", "Bekreft her: http://x/confirm/abc"} {
			if !strings.Contains(body, want) {
				t.Errorf("message lacks %q:\n%s", want, body)
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the SMTP server got no message")
	}
}

func TestSMTPRefusesBadInput(t *testing.T) {
	t.Parallel()
	m := SMTP{Addr: "127.0.0.1:1", From: "samtykke@butikken.no"}
	for _, c := range []struct{ to, subject string }{{"not an address", "x"}, {"kari@example.no", "two\r\nBcc: evil@example.no"}} {
		if err := m.SendEmail(context.Background(), c.to, c.subject, "x"); err == nil {
			t.Errorf("SendEmail(%q, %q) sent; want a refusal", c.to, c.subject)
		}
	}
}

func TestSinkKeepsWhatItSends(t *testing.T) {
	t.Parallel()
	var s Sink
	_ = s.SendSMS(context.Background(), "+4791234567", "a")
	_ = s.SendEmail(context.Background(), "kari@example.no", "s", "b")
	if got := s.Sent(); len(got) != 2 || got[0].Channel != "sms" || got[1].Subject != "s" {
		t.Fatalf("sink = %+v", got)
	}
}
