// SPDX-License-Identifier: AGPL-3.0-only

package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/store"
)

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func tx(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Tx(context.Background(), fn); err != nil {
		t.Fatalf("tx: %v", err)
	}
}

// Exercise runs the conformance suite against a backend. Each case is a
// function in the file of its aggregate, named as sqlstore's files are
// (suite_contact.go tests contact.go, and so on).
func Exercise(t *testing.T, b Backend) {
	t.Run("migrate is idempotent and current", parallel(b, exerciseMigrate))
	t.Run("purposes", parallel(b, exercisePurposes))
	t.Run("a transaction whose work is done commits though its context ends", parallel(b, exerciseCommitAfterContextEnds))
	t.Run("notices publish once and stay immutable", parallel(b, exerciseNotices))
	t.Run("contacts", parallel(b, exerciseContacts))
	t.Run("a contact's states are read once it is locked", parallel(b, exerciseLockContactStates))
	t.Run("a locked contact waits for the lock holder", parallel(b, exerciseContactLock))
	t.Run("ledger appends in order and refuses gaps", parallel(b, exerciseLedgerAppend))
	t.Run("ledger is append-only", parallel(b, exerciseLedgerAppendOnly))
	t.Run("appends to one chain serialise", parallel(b, exerciseLedgerConcurrentAppends))
	t.Run("consent states", parallel(b, exerciseConsentStates))
	t.Run("consent states of a run of contacts", parallel(b, exerciseConsentStatesBetween))
	t.Run("suppression list", parallel(b, exerciseSuppression))
	t.Run("list export pages", parallel(b, exerciseExportContacts))
	t.Run("suppression list pages", parallel(b, exerciseSuppressionPages))
	t.Run("exports in the access log", parallel(b, exerciseExportLog))
	t.Run("imports", parallel(b, exerciseImport))
	t.Run("key fingerprint and sealed data", parallel(b, exerciseKey))
	t.Run("tokens and access log", parallel(b, exerciseTokensAndAccessLog))
	t.Run("first token, once across replicas", parallel(b, exerciseFirstToken))
	t.Run("the access log is one chain, append-only", parallel(b, exerciseAccessChain))
	t.Run("migration 0025 seals the access log written before it", parallel(b, exerciseAccessBackfill))
	t.Run("token lifecycle", parallel(b, exerciseTokenLifecycle))
	t.Run("operator settings", parallel(b, exerciseSettings))
	t.Run("staff accounts and sessions", parallel(b, exerciseUsers))
	t.Run("enqueue commits and rolls back with its transaction", parallel(b, exerciseEnqueue))
	t.Run("held writes keep their order and their errors", parallel(b, exerciseHeldWrites))
	t.Run("whatsapp", parallel(b, exerciseWhatsApp))
	t.Run("campaigns", parallel(b, exerciseCampaigns))
	t.Run("tags", parallel(b, exerciseTags))
	t.Run("rectification", parallel(b, exerciseRectify))
	t.Run("restrictions", parallel(b, exerciseRestrictions))
	t.Run("number changes", parallel(b, exerciseNumberChanges))
	t.Run("queue depth", parallel(b, exerciseQueueDepth))
	t.Run("rights requests", parallel(b, exerciseRights))
	t.Run("breach register", parallel(b, exerciseBreaches))
	t.Run("dpia versions", parallel(b, exerciseDPIA))
	t.Run("ledger checkpoints", parallel(b, exerciseCheckpoints))
	t.Run("retention and erasure", parallel(b, exerciseRetention))
	t.Run("audit reports are kept whole and append-only", parallel(b, exerciseAudits))
	t.Run("opt-out handling times", parallel(b, exerciseOptOutTimes))
	t.Run("active consents with their evidence", parallel(b, exerciseActiveConsents))
	t.Run("dispatches cross-checked against the ledger", parallel(b, exerciseDispatchCheck))
	t.Run("expired opt-ins", parallel(b, exerciseExpiredOptIns))
	t.Run("data past its retention", parallel(b, exerciseRetentionBacklog))
	t.Run("key age", parallel(b, exerciseKeyAge))
	t.Run("a contact's replies", parallel(b, exerciseContactReplies))
	t.Run("answers to replies", parallel(b, exerciseAnswers))
	t.Run("lists and dashboard counts", parallel(b, exerciseLists))
	t.Run("the keyring and a rotation's moves", parallel(b, exerciseKeyRing))
	t.Run("a failing transaction changes nothing", parallel(b, exerciseRollback))
}

// parallel runs fn against b as a parallel subtest.
func parallel(b Backend, fn func(*testing.T, Backend)) func(*testing.T) {
	return func(t *testing.T) {
		t.Parallel()
		fn(t, b)
	}
}
