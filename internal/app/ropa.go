// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/samtykke/samtykke/internal/dpia"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/ropa"
	"github.com/samtykke/samtykke/internal/staff"
)

// RecordOfProcessing is the Art. 30 record made from the running
// configuration and the purposes in the database. A record
// that misses an Art. 30(1)(a)-(g) item is refused (ErrRefused), naming it.
func (a *App) RecordOfProcessing(ctx context.Context, actor Actor) (ropa.Record, error) {
	if err := actor.can(staff.ReadRecords); err != nil {
		return ropa.Record{}, err
	}
	rec, err := a.record(ctx)
	if err != nil {
		return rec, err
	}
	if err := rec.Validate(); err != nil {
		return rec, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return rec, nil
}

// record builds the record, complete or not.
func (a *App) record(ctx context.Context) (ropa.Record, error) {
	purposes, err := a.store.Purposes(ctx)
	if err != nil {
		return ropa.Record{}, err
	}
	in := ropa.Input{At: a.now(), Controller: a.controller(), Purposes: purposes, Retention: a.retentionRecord(),
		Measures: a.measures(), SMS: a.cfg.SMSProvider, Email: a.cfg.EmailProvider}
	if op := a.controller().Operator; op.Name != "" {
		in.Operator = &op
	}
	return ropa.Build(in), nil
}

// measures are the security measures (Art. 32(1)) as this deployment runs
// them: each says whether it is switched on.
func (a *App) measures() []ropa.Measure {
	return []ropa.Measure{
		{Name: dpia.MeasureEncryption, On: true,
			Description: "Every number and declared field is sealed with AES-256-GCM under the person's own data key, itself wrapped by the master key; erasure destroys the data key (crypto-shredding)."},
		{Name: dpia.MeasureKeyOutside, On: true,
			Description: "The master key lives in a file (mode 0600) or the environment, never in the database; a missing or wrong key stops the service (invariant 10)."},
		{Name: "Keyed hashes for lookups", On: true,
			Description: "Numbers are found by HMAC-SHA-256 blind indexes; the suppression list keeps keyed hashes only (RT-05)."},
		{Name: dpia.MeasureRoles, On: true,
			Description: "API tokens carry one role each (admin, dpo, marketer, integrator, auditor); a marketer never sees a number; only the DPO reveals one, with a recorded reason."},
		{Name: dpia.MeasureAccessLog, On: true,
			Description: "Every access to personal data by staff or the API is recorded in the database: who, what, when, why (invariant 6)."},
		{Name: dpia.MeasureTLS, On: strings.HasPrefix(a.cfg.PublicURL, "https://"),
			Description: "The public pages and the webhook are reached over HTTPS (SAMTYKKE_PUBLIC_URL)."},
		{Name: dpia.MeasureWebhookSignature, On: true,
			Description: "A webhook counts only with a valid X-Hub-Signature-256; a redelivery has no second effect (invariant 7)."},
		{Name: dpia.MeasureLedger, On: true,
			Description: "Every consent event is hash-chained per person and verified at every start; the gate's state is checked against the ledger (invariants 3 and 11)."},
		{Name: dpia.MeasureCheckpoints, On: a.cfg.CheckpointDir != "",
			Description: "Daily signed checkpoints over every chain, with a key derived from the master key (L-02)."},
		{Name: dpia.MeasureWitness, On: a.cfg.CheckpointDir != "",
			Description: "Each checkpoint is also written outside the database (SAMTYKKE_CHECKPOINT_DIR)."},
		{Name: "No numbers in logs", On: true,
			Description: "No phone number in clear in a log line, an error or a metric label (invariant 4)."},
		{Name: dpia.MeasureRetention, On: true,
			Description: "A daily job deletes each data class past its period and records each deletion without personal data (RT-01..RT-08)."},
		{Name: dpia.MeasureBackups, On: false,
			Description: "Encrypted backups with a tested restore are not built into samtykke yet: the operator's backups of the database and the key apply."},
	}
}

// retentionRecord is each data class's period as configured (RT-01,
// Art. 30(1)(f)).
func (a *App) retentionRecord() []ropa.Retention {
	p := a.cfg.Retention
	days := func(n int) string {
		if n%365 == 0 {
			return fmt.Sprintf("%d years (%d days)", n/365, n)
		}
		return fmt.Sprintf("%d days", n)
	}
	erase := "then the person's data is erased (crypto-shredded)"
	if p.Erase == retention.EraseImmediately {
		erase = "the person's data is erased as soon as no purpose is left"
	}
	return []ropa.Retention{
		{Class: "contacts with no purpose", Period: days(p.NoPurpose) + " after their last event", Rule: "erased (" + retention.SettingNoPurpose + ")"},
		{Class: "proof of consent after the last consent ended", Period: days(p.Proof), Rule: "the limitation period of foreldelsesloven § 2 (RT-03); " + erase + " (" + retention.SettingProof + ", " + retention.SettingErase + ")"},
		{Class: "declared fields and tags of a purpose", Period: "the purpose's retention_days after its consent ended", Rule: "deleted per purpose"},
		{Class: "unconfirmed opt-ins", Period: a.cfg.OptInTTL.String(), Rule: "deleted with the contact they made (RT-07)"},
		{Class: "message records", Period: days(p.Messages) + " after they were made", Rule: "deleted (RT-08, " + retention.SettingMessages + ")"},
		{Class: "webhook bodies", Period: days(p.Webhooks) + " after they were handled", Rule: "deleted; the platform redelivers for up to 7 days (" + retention.SettingWebhooks + ")"},
		{Class: "access-log entries", Period: days(p.AccessLog), Rule: "deleted (" + retention.SettingAccessLog + ")"},
		{Class: "rights-request files", Period: days(p.RightsRequests) + " after the answer", Rule: "deleted (" + retention.SettingRightsRequests + ")"},
		{Class: "messages people sent (replies)", Period: days(p.Replies) + " after they were received", Rule: "deleted, and at erasure (" + retention.SettingReplies + ")"},
		{Class: "suppression list (keyed hashes)", Period: "while marketing continues", Rule: "kept so that no one who said no is asked again (RT-05)"},
	}
}
