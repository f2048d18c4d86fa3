// SPDX-License-Identifier: AGPL-3.0-only

package retention_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/retention"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// TestDefaultsValidate: the defaults are valid, the proof period is three
// years (RT-03) and message records are kept as long as the proof (RT-08).
func TestDefaultsValidate(t *testing.T) {
	t.Parallel()
	d := retention.Defaults()
	if err := d.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if d.Proof != 1095 || d.Messages != d.Proof || d.Webhooks != 8 || d.Erase != retention.EraseAfterProof {
		t.Fatalf("defaults = %+v", d)
	}
}

// TestValidateRefusesNonsense: each refusal names the setting to change (RT-01).
func TestValidateRefusesNonsense(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		edit    func(*retention.Periods)
		setting string
	}{
		{"no-purpose zero", func(p *retention.Periods) { p.NoPurpose = 0 }, retention.SettingNoPurpose},
		{"no-purpose negative", func(p *retention.Periods) { p.NoPurpose = -3 }, retention.SettingNoPurpose},
		{"no-purpose over a year", func(p *retention.Periods) { p.NoPurpose = 366 }, retention.SettingNoPurpose},
		{"proof zero", func(p *retention.Periods) { p.Proof = 0; p.Messages = 30 }, retention.SettingProof},
		{"proof past 20 years", func(p *retention.Periods) { p.Proof = 7306; p.Messages = 7306 }, retention.SettingProof},
		{"messages zero", func(p *retention.Periods) { p.Messages = 0 }, retention.SettingMessages},
		{"messages shorter than the proof", func(p *retention.Periods) { p.Messages = 1094 }, retention.SettingMessages},
		{"webhooks under the redelivery window", func(p *retention.Periods) { p.Webhooks = 7 }, retention.SettingWebhooks},
		{"webhooks zero", func(p *retention.Periods) { p.Webhooks = 0 }, retention.SettingWebhooks},
		{"access log under a year", func(p *retention.Periods) { p.AccessLog = 364 }, retention.SettingAccessLog},
		{"rights requests negative", func(p *retention.Periods) { p.RightsRequests = -1 }, retention.SettingRightsRequests},
		{"replies over a year", func(p *retention.Periods) { p.Replies = 366 }, retention.SettingReplies},
		{"replies zero", func(p *retention.Periods) { p.Replies = 0 }, retention.SettingReplies},
		{"unknown policy", func(p *retention.Periods) { p.Erase = "never" }, retention.SettingErase},
		{"empty policy", func(p *retention.Periods) { p.Erase = "" }, retention.SettingErase},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := retention.Defaults()
			c.edit(&p)
			err := p.Validate()
			if err == nil || !strings.Contains(err.Error(), c.setting) {
				t.Fatalf("Validate(%+v) = %v; want an error naming %s", p, err, c.setting)
			}
		})
	}
	// The limits themselves are accepted.
	p := retention.Defaults()
	p.NoPurpose, p.Webhooks, p.AccessLog, p.Proof, p.Messages = 365, 8, 365, 30, 30
	p.Erase = retention.EraseImmediately
	if err := p.Validate(); err != nil {
		t.Fatalf("limits: %v", err)
	}
}

// TestDue: data kept N days is due from t + N days on, that instant
// included: kept the day before, gone the day of and after (RT-01).
func TestDue(t *testing.T) {
	t.Parallel()
	due := t0.Add(30 * day)
	for _, c := range []struct {
		now  time.Time
		want bool
	}{
		{due.Add(-day), false},
		{due.Add(-time.Microsecond), false},
		{due, true},
		{due.Add(day), true},
	} {
		if got := retention.Due(t0, 30, c.now); got != c.want {
			t.Errorf("Due(t0, 30, %v) = %v, want %v", c.now, got, c.want)
		}
	}
	if cut := retention.Cutoff(due, 30); !cut.Equal(t0) || !retention.Due(cut, 30, due) {
		t.Errorf("Cutoff(due, 30) = %v, want %v and due", cut, t0)
	}
}

var purposes = map[string]consent.Purpose{
	"offers": {Key: "offers", RetentionDays: 365},
	"named":  {Key: "named", RetentionDays: 30, Fields: []string{"first_name"}},
}

func ended(purpose string, status consent.Status, since time.Time, consented bool) retention.PurposeFacts {
	return retention.PurposeFacts{Purpose: purpose, Status: status, Since: since, Consented: consented}
}

// TestDecideContacts: when a contact is erased, at each boundary (the day
// before, of and after): a contact without a purpose after its period
// (RT-01); a contact that consented once the proof period since its last
// consent ended has passed (RT-02, RT-03, R-04), or at once under
// "immediately" (C-11); never while a purpose is active or pending or an
// opt-in request waits.
func TestDecideContacts(t *testing.T) {
	t.Parallel()
	proof := retention.Defaults()
	now := retention.Defaults()
	now.Erase = retention.EraseImmediately
	withdrawn := t0.Add(10 * day)
	cases := []struct {
		name    string
		p       retention.Periods
		f       retention.Facts
		at      time.Time
		erase   bool
		rule    retention.Rule
		comment string
	}{
		{name: "no purpose, the day before", p: proof, f: retention.Facts{CreatedAt: t0}, at: t0.Add(29 * day)},
		{name: "no purpose, the day of", p: proof, f: retention.Facts{CreatedAt: t0}, at: t0.Add(30 * day), erase: true, rule: retention.RuleNoPurpose},
		{name: "no purpose, the day after", p: proof, f: retention.Facts{CreatedAt: t0}, at: t0.Add(31 * day), erase: true, rule: retention.RuleNoPurpose},
		{name: "no purpose counts from the last event", p: proof, at: t0.Add(31 * day),
			f: retention.Facts{CreatedAt: t0, Purposes: []retention.PurposeFacts{ended("offers", consent.StatusWithdrawn, t0.Add(5*day), false)}}},
		{name: "never consented, objected: no purpose", p: proof, at: t0.Add(35 * day), erase: true, rule: retention.RuleNoPurpose,
			f: retention.Facts{CreatedAt: t0, Purposes: []retention.PurposeFacts{ended("offers", consent.StatusWithdrawn, t0.Add(5*day), false)}}},
		{name: "withdrawn, the day before the proof ends", p: proof, at: withdrawn.Add(1094 * day),
			f: retention.Facts{CreatedAt: t0, Purposes: []retention.PurposeFacts{ended("offers", consent.StatusWithdrawn, withdrawn, true)}}},
		{name: "withdrawn, the day the proof ends", p: proof, at: withdrawn.Add(1095 * day), erase: true, rule: retention.RuleProofPassed,
			f: retention.Facts{CreatedAt: t0, Purposes: []retention.PurposeFacts{ended("offers", consent.StatusWithdrawn, withdrawn, true)}}},
		{name: "withdrawn, the day after the proof ends", p: proof, at: withdrawn.Add(1096 * day), erase: true, rule: retention.RuleProofPassed,
			f: retention.Facts{CreatedAt: t0, Purposes: []retention.PurposeFacts{ended("offers", consent.StatusWithdrawn, withdrawn, true)}}},
		{name: "the proof runs from the last consent that ended", p: proof, at: withdrawn.Add(1095 * day),
			f: retention.Facts{CreatedAt: t0, Purposes: []retention.PurposeFacts{
				ended("offers", consent.StatusWithdrawn, withdrawn, true), ended("named", consent.StatusExpired, withdrawn.Add(day), true)}}},
		{name: "a request that expired later does not move the proof", p: proof, at: withdrawn.Add(1095 * day), erase: true, rule: retention.RuleProofPassed,
			f: retention.Facts{CreatedAt: t0, Purposes: []retention.PurposeFacts{
				ended("offers", consent.StatusWithdrawn, withdrawn, true), ended("named", consent.StatusExpired, withdrawn.Add(day), false)}}},
		{name: "immediately: the day it was withdrawn", p: now, at: withdrawn, erase: true, rule: retention.RuleImmediately,
			f: retention.Facts{CreatedAt: t0, Purposes: []retention.PurposeFacts{ended("offers", consent.StatusWithdrawn, withdrawn, true)}}},
		{name: "immediately, but another purpose is active", p: now, at: withdrawn.Add(5000 * day),
			f: retention.Facts{CreatedAt: t0, Purposes: []retention.PurposeFacts{
				ended("offers", consent.StatusWithdrawn, withdrawn, true), ended("named", consent.StatusActive, t0, true)}}},
		{name: "pending purpose", p: now, at: t0.Add(5000 * day),
			f: retention.Facts{CreatedAt: t0, Purposes: []retention.PurposeFacts{ended("offers", consent.StatusPending, t0, false)}}},
		{name: "an opt-in request waits", p: proof, at: t0.Add(5000 * day), f: retention.Facts{CreatedAt: t0, PendingOptIns: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v := c.p.Decide(c.f, purposes, c.at)
			if v.Erase != c.erase || (c.erase && v.Rule != c.rule) {
				t.Fatalf("Decide = %+v; want erase %v by %q", v, c.erase, c.rule)
			}
		})
	}
}

// TestDecideProfile: a declared field is kept while a purpose listing it is
// active or pending and for that purpose's retention_days after its consent
// ended, then removed though the contact stays for its proof; a field no
// purpose of the contact lists is removed at once (P-03); tags stay while
// any purpose runs or is within its retention_days (C-11, RT-02).
func TestDecideProfile(t *testing.T) {
	t.Parallel()
	p := retention.Defaults()
	end := t0.Add(10 * day) // named: 30 days; offers: 365 days
	cases := []struct {
		name   string
		f      retention.Facts
		at     time.Time
		fields []string
		tags   bool
	}{
		{name: "named active", at: end.Add(100 * day), f: retention.Facts{HasFields: true, Tags: 1,
			Purposes: []retention.PurposeFacts{ended("named", consent.StatusActive, t0, true)}}},
		{name: "named ended, the day before its retention ends", at: end.Add(29 * day), f: retention.Facts{HasFields: true, Tags: 1,
			Purposes: []retention.PurposeFacts{ended("named", consent.StatusWithdrawn, end, true)}}},
		{name: "named ended, the day its retention ends", at: end.Add(30 * day), fields: []string{"first_name"}, tags: true,
			f: retention.Facts{HasFields: true, Tags: 1, Purposes: []retention.PurposeFacts{ended("named", consent.StatusWithdrawn, end, true)}}},
		{name: "named ended, the day after", at: end.Add(31 * day), fields: []string{"first_name"},
			f: retention.Facts{HasFields: true, Purposes: []retention.PurposeFacts{ended("named", consent.StatusWithdrawn, end, true)}}},
		{name: "named ended, offers within its retention keeps the tags", at: end.Add(31 * day), fields: []string{"first_name"},
			f: retention.Facts{HasFields: true, Tags: 2, Purposes: []retention.PurposeFacts{
				ended("named", consent.StatusWithdrawn, end, true), ended("offers", consent.StatusWithdrawn, end, true)}}},
		{name: "offers ended past its retention: tags go", at: end.Add(365 * day), tags: true,
			f: retention.Facts{Tags: 2, Purposes: []retention.PurposeFacts{ended("offers", consent.StatusExpired, end, true)}}},
		{name: "tags stay while offers is active", at: end.Add(900 * day), f: retention.Facts{Tags: 2, Purposes: []retention.PurposeFacts{
			ended("offers", consent.StatusActive, t0, true), ended("named", consent.StatusWithdrawn, end, true)}}},
		{name: "a field no purpose of the contact lists", at: t0, fields: []string{"first_name"},
			f: retention.Facts{HasFields: true, Purposes: []retention.PurposeFacts{ended("offers", consent.StatusActive, t0, true)}}},
		{name: "no state at all: left to the contact rules", at: t0.Add(day), f: retention.Facts{CreatedAt: t0, HasFields: true, Tags: 1}},
		{name: "an unknown purpose keeps everything", at: end.Add(900 * day), f: retention.Facts{HasFields: true, Tags: 1,
			Purposes: []retention.PurposeFacts{ended("gone", consent.StatusWithdrawn, end, true)}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v := p.Decide(c.f, purposes, c.at)
			if v.Erase || !slices.Equal(v.DropFields, c.fields) || v.DropTags != c.tags {
				t.Fatalf("Decide = %+v; want fields %v, tags %v, no erasure", v, c.fields, c.tags)
			}
			if (len(c.fields) > 0 || c.tags) != (v.Rule == retention.RulePurposeEnded) {
				t.Fatalf("rule %q for %+v", v.Rule, v)
			}
		})
	}
}

// TestMetaTask: the task an erasure leaves says how long Meta may hold the
// messages' content, and names no person.
func TestMetaTask(t *testing.T) {
	t.Parallel()
	last := t0.Add(3 * day)
	task := retention.MetaTask("task-1", "c-1", 4, last, t0.Add(10*day))
	if task.Processor != retention.Meta || task.Messages != 4 || !task.HeldUntil.Equal(last.Add(30*day)) || task.Done() {
		t.Fatalf("task = %+v", task)
	}
	if !strings.Contains(task.Instructions, "4 message(s)") || !strings.Contains(task.Instructions, "2026-04-03") {
		t.Fatalf("instructions = %q", task.Instructions)
	}
	none := retention.MetaTask("task-2", "c-2", 0, time.Time{}, t0)
	if !none.HeldUntil.IsZero() || !strings.Contains(none.Instructions, "no message from the business") {
		t.Fatalf("task with no messages = %+v", none)
	}
}

// TestParseErasePolicy reads the two policies and nothing else.
func TestParseErasePolicy(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"proof", "immediately"} {
		if p, err := retention.ParseErasePolicy(s); err != nil || string(p) != s {
			t.Errorf("ParseErasePolicy(%q) = %q, %v", s, p, err)
		}
	}
	for _, s := range []string{"", "Proof", "now", "never"} {
		if _, err := retention.ParseErasePolicy(s); err == nil {
			t.Errorf("ParseErasePolicy(%q) accepted", s)
		}
	}
}

// TestState: the periods in words name every class and follow the policy
// (RT-01: documented in the record of processing).
func TestState(t *testing.T) {
	t.Parallel()
	p := retention.Defaults()
	got := p.State()
	if len(got) != 10 || got[9].Period != "30 days after they were received" || got[1].Period != "the proof period (1095 days) after the last consent ended, then erased" || got[5].Period != "1095 days" {
		t.Fatalf("State() = %+v", got)
	}
	p.Erase = retention.EraseImmediately
	if got := p.State(); got[1].Period != "erased as soon as no purpose is left" {
		t.Fatalf("State() under immediately = %+v", got[1])
	}
}
