// SPDX-License-Identifier: AGPL-3.0-only

// Package job holds the arguments of samtykke's River jobs, so that the app
// can enqueue them inside its transactions and the queue can work them. Args
// carry ids, never personal data.
package job

import (
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
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

// InboxPeriod groups webhooks: all that arrive within one period share one
// job, which drains the inbox and drains it again when its period ends, so
// there is at most one job per period however many webhooks arrive.
const InboxPeriod = time.Second // River's smallest unique period

// InsertOpts: unique per period.
func (ProcessInbox) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: InboxPeriod}}
}

// PeriodEnd is when the period of a job scheduled at t ends.
func (ProcessInbox) PeriodEnd(t time.Time) time.Time { return t.Truncate(InboxPeriod).Add(InboxPeriod) }

// DispatchCampaign sends a campaign for a while, then lets River run it again:
// a job is a batch of batches, never one message.
type DispatchCampaign struct {
	CampaignID string `json:"campaign_id"`
}

// Kind names the job.
func (DispatchCampaign) Kind() string { return "dispatch_campaign" }

// InsertOpts: one dispatcher per campaign at a time, across replicas; a
// finished one does not block the next (after a pause and resume).
func (DispatchCampaign) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 100, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// PurgeMessages deletes message records past their retention (RT-08). The
// daily Retention job does it now; the kind stays for jobs queued before.
type PurgeMessages struct{}

// Kind names the job.
func (PurgeMessages) Kind() string { return "purge_messages" }

// Retention applies every retention rule once (RT-01..RT-08): expiries,
// purges and erasures, each recorded in the retention log. It runs daily.
type Retention struct{}

// Kind names the job.
func (Retention) Kind() string { return "retention" }

// InsertOpts makes the job unique while one is waiting, across replicas.
func (Retention) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
}

// SettleUnknown ends messages whose outcome stayed unknown past any webhook.
type SettleUnknown struct{}

// Kind names the job.
func (SettleUnknown) Kind() string { return "settle_unknown" }

// ExpireOptIns deletes unconfirmed opt-in requests past their time (RT-07).
type ExpireOptIns struct{}

// Kind names the job.
func (ExpireOptIns) Kind() string { return "expire_optins" }

// Checkpoint signs a checkpoint of every consent chain (L-02).
type Checkpoint struct{}

// Kind names the job.
func (Checkpoint) Kind() string { return "ledger_checkpoint" }

// InsertOpts makes the job unique while one is waiting, across replicas.
func (Checkpoint) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
}

// VerifyLedger verifies the whole consent ledger (S-04).
type VerifyLedger struct{}

// Kind names the job.
func (VerifyLedger) Kind() string { return "ledger_verify" }

// InsertOpts makes the job unique while one is waiting, across replicas.
func (VerifyLedger) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
}

// BreachNotices tells the people a breach affects (Art. 34): every contact,
// or those of a purpose, not yet told, a batch at a time. Actor is who asked
// (a token's id and name, never a person on the list).
type BreachNotices struct {
	BreachID string `json:"breach_id"`
	Purpose  string `json:"purpose,omitempty"` // empty: every contact
	Actor    string `json:"actor"`
}

// Kind names the job.
func (BreachNotices) Kind() string { return "breach_notices" }

// InsertOpts: one walk per breach and selection at a time, across replicas.
func (BreachNotices) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 25, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// Audit runs the compliance audit and stores its report (S-04).
type Audit struct{}

// Kind names the job.
func (Audit) Kind() string { return "compliance_audit" }

// InsertOpts: one a day across replicas, tried once. A long audit outlives
// the rescue of stuck jobs: with attempts left it would be started a second
// time beside itself. An audit that failed waits for the next day (or for
// samtykke audit, or POST /api/v1/audits).
func (Audit) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
}

// RunImport runs an import whose file the API stored; run again after a
// crash, it resumes after its last committed batch. It names who started
// it (recorded with every event), never a row.
type RunImport struct {
	ImportID  string `json:"import_id"`
	ActorID   string `json:"actor_id"`
	ActorName string `json:"actor_name"`
	ActorRole string `json:"actor_role"`
}

// Kind names the job.
func (RunImport) Kind() string { return "run_import" }

// InsertOpts: one run per import at a time; tried again after a crash.
func (RunImport) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}

// RotateKeys moves every contact to the active master key (S-01, issue 22
// point 4): it re-wraps their data keys and re-indexes their numbers in
// batches, then retires the old key. It carries no argument: it works the
// rotation the key table records, so it resumes after a crash wherever it
// stopped, on whichever replica takes it.
type RotateKeys struct{}

// Kind names the job.
func (RotateKeys) Kind() string { return "rotate_keys" }

// InsertOpts: one at a time across replicas; tried again after a failure
// (a replica without the key, say) until an operator sees it stuck.
func (RotateKeys) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 50, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}
}
