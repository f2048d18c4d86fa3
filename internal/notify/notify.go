// SPDX-License-Identifier: AGPL-3.0-only

// Package notify sends the few messages that go by SMS or e-mail: an opt-in
// confirmation link for a person without WhatsApp at hand. Each channel is an
// interface with a real sender and a sink, the sink being the fake at the
// external edge that tests and the embedded default use.
package notify

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"net/smtp"
	"strings"
	"sync"
	"time"
)

// SMS sends a text message to an E.164 number.
type SMS interface {
	SendSMS(ctx context.Context, to, text string) error
}

// Email sends a plain-text e-mail.
type Email interface {
	SendEmail(ctx context.Context, to, subject, text string) error
}

// Sent is one message a Sink took.
type Sent struct {
	Channel string    `json:"channel"` // "sms" or "email"
	To      string    `json:"to"`
	Subject string    `json:"subject,omitempty"`
	Text    string    `json:"text"`
	At      time.Time `json:"at"`
}

// Sink keeps what it is asked to send, in memory, for tests and demos.
type Sink struct {
	mu   sync.Mutex
	sent []Sent
}

var (
	_ SMS   = (*Sink)(nil)
	_ Email = (*Sink)(nil)
)

// SendSMS keeps the SMS.
func (s *Sink) SendSMS(_ context.Context, to, text string) error {
	s.add(Sent{Channel: "sms", To: to, Text: text, At: time.Now().UTC()})
	return nil
}

// SendEmail keeps the e-mail.
func (s *Sink) SendEmail(_ context.Context, to, subject, text string) error {
	s.add(Sent{Channel: "email", To: to, Subject: subject, Text: text, At: time.Now().UTC()})
	return nil
}

func (s *Sink) add(m Sent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, m)
}

// Sent lists what was sent, oldest first.
func (s *Sink) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// SMTP sends e-mail through an SMTP server (STARTTLS when offered).
type SMTP struct {
	Addr     string // host:port
	From     string
	Username string
	Password string
}

var _ Email = SMTP{}

// SendEmail sends one plain-text e-mail.
func (m SMTP) SendEmail(ctx context.Context, to, subject, text string) error {
	if _, err := mail.ParseAddress(to); err != nil {
		return errors.New("notify: not an e-mail address")
	}
	if strings.ContainsAny(subject, "\r\n") {
		return errors.New("notify: subject has a line break")
	}
	var auth smtp.Auth
	if m.Username != "" {
		host, _, _ := strings.Cut(m.Addr, ":")
		auth = smtp.PlainAuth("", m.Username, m.Password, host)
	}
	msg := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		m.From, to, mimeHeader(subject), text)
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(m.Addr, auth, m.From, []string{to}, []byte(msg)) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("notify: smtp: %w", err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// mimeHeader encodes a header value that is not plain ASCII (æ, ø, å).
func mimeHeader(s string) string { return mime.QEncoding.Encode("utf-8", s) }
