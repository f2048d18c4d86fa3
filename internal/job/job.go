// SPDX-License-Identifier: AGPL-3.0-only

// Package job holds the arguments of samtykke's River jobs, so that the app
// can enqueue them inside its transactions and the queue can work them. Args
// carry ids, never personal data.
package job

import (
	"time"

	"github.com/riverqueue/river"
)

// SendMessage sends one queued message.
type SendMessage struct {
	MessageID string `json:"message_id"`
}

// Kind names the job.
func (SendMessage) Kind() string { return "send_message" }

// InsertOpts: a send is tried at most a few times; the message row, not the
// job, decides whether a request may leave (at most once).
func (SendMessage) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// ProcessInbox handles stored webhook bodies in batches.
type ProcessInbox struct{}

// Kind names the job.
func (ProcessInbox) Kind() string { return "process_inbox" }

// InsertOpts: at most one job a second, however many webhooks arrive; each
// job drains the inbox, and a periodic one catches what arrives as it ends.
func (ProcessInbox) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Second}}
}

// ExpireOptIns deletes unconfirmed opt-in requests past their time (RT-07).
type ExpireOptIns struct{}

// Kind names the job.
func (ExpireOptIns) Kind() string { return "expire_optins" }

// VerifyLedger verifies the whole consent ledger (S-04).
type VerifyLedger struct{}

// Kind names the job.
func (VerifyLedger) Kind() string { return "ledger_verify" }

// InsertOpts makes the job unique while one is waiting, across replicas.
func (VerifyLedger) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
}
