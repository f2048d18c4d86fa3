// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// Methods are the ways a consent can have been collected.
var Methods = []string{"web_form", "whatsapp", "in_store", "paper", "phone_call", "email", "sms", "import", "api"}

// WithdrawMethods are the ways a withdrawal can have been given: a fixed
// list, as for consents, because the method is kept in the append-only
// ledger, where free text (a number, a name) could never be erased.
var WithdrawMethods = []string{"api", "web_form", "preference_centre", "whatsapp", "keyword", "button", "in_store",
	"paper", "letter", "phone_call", "email", "sms", "staff", "rights_request"}

// Subject names a contact by id or by number.
type Subject struct {
	ContactID string
	Phone     string
	Language  string // for a contact created by this call
}

// ConsentInput is a consent collected elsewhere, with its evidence (C-03, L-03).
type ConsentInput struct {
	Subject
	Purpose       string
	Method        string
	CollectedAt   time.Time
	NoticeVersion int
	AgeConfirmed  bool
	Evidence      ledger.Evidence
}

// Recorded is the outcome of recording a consent.
type Recorded struct {
	ContactID string        `json:"contact_id"`
	EventID   string        `json:"event_id"`
	Kind      ledger.Kind   `json:"kind"`
	State     consent.State `json:"state"`
}

// RecordConsent appends a consent event with its evidence. A consent whose
// double confirmation is in the evidence becomes confirmed; without it, it
// stays pending until confirmed (C-01, C-03). A purpose on the existing-customer
// basis records a soft opt-in, which needs its proof (M-05).
func (a *App) RecordConsent(ctx context.Context, actor Actor, in ConsentInput) (Recorded, error) {
	out, err := a.RecordConsents(ctx, actor, []ConsentInput{in})
	if err != nil {
		var rowErr *RowError
		if errors.As(err, &rowErr) {
			return Recorded{}, rowErr.Err
		}
		return Recorded{}, err
	}
	return out[0], nil
}

// RowError names the input row a batch was refused for.
type RowError struct {
	Row int
	Err error
}

func (e *RowError) Error() string { return fmt.Sprintf("row %d: %v", e.Row+1, e.Err) }
func (e *RowError) Unwrap() error { return e.Err }

// RecordConsents records a batch of consents in one transaction: all of them
// or, when one is refused, none (invariant 8: never a half-written import).
func (a *App) RecordConsents(ctx context.Context, actor Actor, ins []ConsentInput) ([]Recorded, error) {
	if err := actor.can(staff.WriteConsents); err != nil {
		return nil, err
	}
	preps := make([]preparedConsent, len(ins))
	cache := map[string]any{}
	for i, in := range ins {
		p, err := a.prepareConsent(ctx, in, cache)
		if err != nil {
			return nil, &RowError{Row: i, Err: err}
		}
		preps[i] = p
	}
	out := make([]Recorded, len(ins))
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		for i, p := range preps {
			r, err := a.recordPrepared(ctx, tx, actor, p)
			if err != nil {
				return &RowError{Row: i, Err: err}
			}
			out[i] = r
		}
		return nil
	})
	return out, err
}

// preparedConsent is a checked consent input with its evidence completed.
type preparedConsent struct {
	in      ConsentInput
	purpose consent.Purpose
	kind    ledger.Kind
	ev      ledger.Evidence
}

func (a *App) prepareConsent(ctx context.Context, in ConsentInput, cache map[string]any) (preparedConsent, error) {
	if err := a.checkSubject(in.Subject); err != nil {
		return preparedConsent{}, err
	}
	if !slices.Contains(Methods, in.Method) {
		return preparedConsent{}, invalid("method must be one of %s", strings.Join(Methods, ", "))
	}
	now := a.now()
	switch {
	case in.CollectedAt.IsZero():
		return preparedConsent{}, invalid("collected_at is required")
	case in.CollectedAt.After(now.Add(5 * time.Minute)):
		return preparedConsent{}, invalid("collected_at is in the future")
	case in.CollectedAt.Before(now.AddDate(-10, 0, 0)):
		return preparedConsent{}, invalid("collected_at is more than ten years ago")
	}
	if err := checkEvidence(in.Evidence); err != nil {
		return preparedConsent{}, err
	}
	if !in.AgeConfirmed {
		return preparedConsent{}, refused("the person must confirm being %d or older (C-13)", a.cfg.MinAge)
	}
	p, err := cached(cache, "purpose:"+in.Purpose, func() (consent.Purpose, error) { return a.store.Purpose(ctx, in.Purpose) })
	if errors.Is(err, store.ErrNotFound) {
		return preparedConsent{}, invalid("unknown purpose %q", in.Purpose)
	} else if err != nil {
		return preparedConsent{}, err
	}
	ev := in.Evidence
	ev.CollectedAt = in.CollectedAt.UTC().Format(time.RFC3339)
	ev.MinAge = a.cfg.MinAge
	kind := ledger.Requested
	switch p.Basis {
	case consent.BasisConsent:
		if strings.TrimSpace(ev.AffirmativeAct) == "" {
			return preparedConsent{}, refused("consent needs evidence.affirmative_act: the clear act the person did (C-01)")
		}
		if strings.TrimSpace(ev.WordingHash) == "" {
			return preparedConsent{}, refused("consent needs evidence.wording_hash: the hash of the exact text shown (L-03)")
		}
		if ev.ConfirmationChannel != "" && ev.ConfirmationMessageID != "" {
			kind = ledger.Confirmed
			// samtykke never saw this answer: the integrator vouches for it,
			// and the history and the audit say so (L-03).
			ev.Confirmation = ledger.ConfirmationAsserted
		}
	case consent.BasisExistingCustomer:
		if ev.OrderRef == "" || ev.ProductCategory == "" || ev.OptOutOfferedAt == "" {
			return preparedConsent{}, refused("an existing-customer basis needs evidence.order_ref, product_category and opt_out_offered_at (M-05)")
		}
		kind = ledger.SoftOptIn
	}
	lang := in.Language
	if lang == "" {
		lang = "nb"
	}
	n, err := cached(cache, fmt.Sprintf("notice:%s:%d", lang, in.NoticeVersion), func() (notice.Notice, error) {
		if in.NoticeVersion != 0 {
			return a.noticeVersion(ctx, lang, in.NoticeVersion)
		}
		return a.store.CurrentNotice(ctx, lang)
	})
	if errors.Is(err, store.ErrNotFound) {
		return preparedConsent{}, refused("no published privacy notice %s version %d: consent must name the notice shown (T-01)", lang, in.NoticeVersion)
	} else if err != nil {
		return preparedConsent{}, err
	}
	ev.NoticeID, ev.NoticeVersion, ev.NoticeHash, ev.Language = n.ID, n.Version, n.Hash, lang
	return preparedConsent{in: in, purpose: p, kind: kind, ev: ev}, nil
}

// cached memoises a lookup within one batch.
func cached[T any](cache map[string]any, key string, fn func() (T, error)) (T, error) {
	if v, ok := cache[key]; ok {
		return v.(T), nil
	}
	v, err := fn()
	if err == nil {
		cache[key] = v
	}
	return v, err
}

func (a *App) recordPrepared(ctx context.Context, tx store.Tx, actor Actor, pc preparedConsent) (Recorded, error) {
	id, err := a.resolve(ctx, tx, pc.in.Subject, true)
	if err != nil {
		return Recorded{}, err
	}
	var validUntil time.Time
	if pc.purpose.RefreshDays > 0 && pc.kind != ledger.Requested {
		validUntil = pc.in.CollectedAt.AddDate(0, 0, pc.purpose.RefreshDays)
	}
	e, st, err := a.appendEvent(ctx, tx, id, ledger.Event{Kind: pc.kind, Purpose: pc.purpose.Key, Channel: string(pc.purpose.Channel),
		Method: pc.in.Method, Source: "api", Actor: actor.String(), ValidUntil: validUntil, AgeConfirmed: pc.in.AgeConfirmed}, pc.ev)
	if err != nil {
		return Recorded{}, err
	}
	return Recorded{ContactID: id, EventID: e.ID, Kind: pc.kind, State: st[0]}, a.recordAccess(ctx, tx, actor, access.Record, id, "")
}

// noticeVersion finds a published notice by language and version.
func (a *App) noticeVersion(ctx context.Context, lang string, version int) (notice.Notice, error) {
	all, err := a.PublishedNotices(ctx, lang)
	if err != nil {
		return notice.Notice{}, err
	}
	for _, n := range all {
		if n.Version == version {
			return n, nil
		}
	}
	return notice.Notice{}, store.ErrNotFound
}

// checkSubject accepts exactly one of contact_id and phone.
func (a *App) checkSubject(s Subject) error {
	if (s.ContactID == "") == (s.Phone == "") {
		return invalid("give exactly one of contact_id and phone")
	}
	if _, err := contact.CheckLanguage(s.Language); err != nil {
		return invalid("%v", err)
	}
	return nil
}

// resolve finds the subject's contact id; with create, a new number becomes a contact.
func (a *App) resolve(ctx context.Context, tx store.Tx, s Subject, create bool) (string, error) {
	if s.ContactID != "" {
		c, err := tx.Contact(ctx, s.ContactID)
		if err != nil {
			return "", err
		}
		if c.Erased() {
			return "", refused("the contact was erased")
		}
		return c.ID, nil
	}
	num, err := a.parsePhone(s.Phone)
	if err != nil {
		return "", err
	}
	if !create {
		c, err := a.contactByNumber(ctx, tx, num.E164())
		if err != nil {
			return "", err
		}
		return c.ID, nil
	}
	lang, _ := contact.CheckLanguage(s.Language)
	id, _, err := a.ensureContact(ctx, tx, num, lang, fields{})
	return id, err
}

func checkEvidence(ev ledger.Evidence) error {
	if ev.IP != "" {
		if _, err := netip.ParseAddr(ev.IP); err != nil {
			return invalid("evidence.ip must be an IPv4 or IPv6 address")
		}
	}
	if ev.Confirmation != "" {
		return invalid("evidence.confirmation is set by samtykke")
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return invalid("evidence: %v", err)
	}
	if len(b) > 8<<10 {
		return invalid("evidence is larger than 8 KiB")
	}
	if len(ev.Extra) > 32 {
		return invalid("evidence.extra has more than 32 fields")
	}
	return nil
}

// appendEvent locks the contact, appends e (with its evidence sealed under the
// contact's key) as the next event of its chain, and folds it into the
// consent state of each purpose it touches, which it returns.
func (a *App) appendEvent(ctx context.Context, tx store.Tx, contactID string, e ledger.Event, ev ledger.Evidence) (ledger.Event, []consent.State, error) {
	c, err := tx.LockContact(ctx, contactID)
	if err != nil {
		return e, nil, err
	}
	states, err := touched(ctx, tx, c.ID, e)
	if err != nil {
		return e, nil, err
	}
	return a.appendTo(ctx, tx, c, e, ev, states)
}

// touched reads the consent states an event will touch, its scope
// (consent.ScopeOf): its purpose's; or, for a contact-wide event, those of
// its channel's purposes, or of all. consent.Fold folds a whole chain by the
// same scopes, and verification compares (invariant 11).
func touched(ctx context.Context, tx store.Tx, contactID string, e ledger.Event) ([]consent.State, error) {
	sc := consent.ScopeOf(e)
	switch {
	case sc.Purpose != "":
		s, err := tx.ConsentState(ctx, contactID, sc.Purpose)
		return []consent.State{s}, err
	case sc.Channel != "":
		return tx.ChannelStates(ctx, contactID, string(sc.Channel))
	}
	return tx.ConsentStates(ctx, contactID)
}

// appendTo is appendEvent for a contact this transaction has locked, with
// the states e touches read already in it (touched); it folds e into them in
// place.
func (a *App) appendTo(ctx context.Context, tx store.Tx, c contact.Contact, e ledger.Event, ev ledger.Evidence, states []consent.State) (ledger.Event, []consent.State, error) {
	o, err := a.open(c)
	if err != nil {
		return e, nil, err
	}
	e.ID, e.ContactID = newID(), c.ID
	if e.At.IsZero() {
		e.At = a.now()
	}
	e = ledger.Next(c.Head, e, ev)
	evJSON, err := json.Marshal(ev)
	if err != nil {
		return e, nil, err
	}
	if err := tx.AppendEvent(ctx, e, o.key.Seal(evJSON, contact.AAD(c.ID, "evidence/"+e.ID))); err != nil {
		return e, nil, err
	}
	a.noteEvent(tx, e, ev)
	for i, s := range states {
		states[i] = consent.Apply(s, e)
		if err := tx.PutConsentState(ctx, states[i]); err != nil {
			return e, nil, err
		}
	}
	return e, states, nil
}

// WithdrawInput names whose consent to withdraw and for what: a purpose's key,
// or "all" (an objection to all direct marketing, R-08).
type WithdrawInput struct {
	Subject
	Purpose string
	Method  string // how the person said it: api, keyword, button, preference_centre, staff ...
}

// Withdrawn is the outcome of a withdrawal.
type Withdrawn struct {
	ContactID  string          `json:"contact_id,omitempty"`
	EventID    string          `json:"event_id,omitempty"`
	Suppressed bool            `json:"suppressed"`
	States     []consent.State `json:"states"`
}

// Withdraw commits a withdrawal at once (C-05, K-06). "all" records an
// objection for every purpose and puts the number on the suppression list,
// even when the number is not a contact (an opt-out given off-channel, M-10).
func (a *App) Withdraw(ctx context.Context, actor Actor, in WithdrawInput) (Withdrawn, error) {
	ctx = store.Urgent(ctx) // ahead of campaign batches waiting for the writer
	if err := actor.can(staff.WriteConsents); err != nil {
		return Withdrawn{}, err
	}
	if err := a.checkSubject(in.Subject); err != nil {
		return Withdrawn{}, err
	}
	if in.Method == "" {
		in.Method = "api"
	}
	if !slices.Contains(WithdrawMethods, in.Method) {
		return Withdrawn{}, invalid("method must be one of %s", strings.Join(WithdrawMethods, ", "))
	}
	all := in.Purpose == "all"
	if !all {
		if _, err := a.store.Purpose(ctx, in.Purpose); errors.Is(err, store.ErrNotFound) {
			return Withdrawn{}, invalid("unknown purpose %q (or \"all\")", in.Purpose)
		} else if err != nil {
			return Withdrawn{}, err
		}
	}
	var out Withdrawn
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		id, err := a.resolve(ctx, tx, in.Subject, false)
		if errors.Is(err, store.ErrNotFound) && in.Phone != "" && all {
			// Not a contact: remember the objection anyway (RT-05).
			num, _ := a.parsePhone(in.Phone)
			out.Suppressed = true
			a.note(tx, func(o Observer) { o.OptOut(TriggerAPI) })
			return tx.Suppress(ctx, a.vault.SuppressionToken(num.E164()), "objection:"+in.Method, a.now())
		}
		if err != nil {
			return err
		}
		out.ContactID = id
		if all {
			c, err := tx.LockContact(ctx, id)
			if err != nil {
				return err
			}
			e := objection("", in.Method, "api", actor)
			states, err := touched(ctx, tx, c.ID, e)
			if err != nil {
				return err
			}
			e, states, err = a.object(ctx, tx, c, e, states)
			if err != nil {
				return err
			}
			out.EventID, out.States, out.Suppressed = e.ID, states, true
			return a.recordAccess(ctx, tx, actor, access.Withdraw, id, "")
		}
		if s, err := tx.ConsentState(ctx, id, in.Purpose); err != nil {
			return err
		} else if s.Status != consent.StatusActive && s.Status != consent.StatusPending {
			out.States = []consent.State{s} // nothing to withdraw
			return a.recordAccess(ctx, tx, actor, access.Withdraw, id, "")
		}
		e, states, err := a.appendEvent(ctx, tx, id, ledger.Event{Kind: ledger.Withdrawn, Purpose: in.Purpose, Method: in.Method,
			Source: "api", Actor: actor.String()}, ledger.Evidence{Reason: in.Method})
		if err != nil {
			return err
		}
		out.EventID, out.States = e.ID, states
		return a.recordAccess(ctx, tx, actor, access.Withdraw, id, "")
	})
	return out, err
}

// objection is an objection to direct marketing, on one channel or on all
// when channel is empty.
func objection(channel, method, source string, actor Actor) ledger.Event {
	return ledger.Event{Kind: ledger.Objected, Channel: channel, Method: method, Source: source, Actor: actor.String()}
}

// object commits an objection (objection) and puts the number on the
// suppression list (R-08, RT-05). c is the contact, locked by tx, and states
// are those the objection touches (touched), read in tx.
func (a *App) object(ctx context.Context, tx store.Tx, c contact.Contact, e ledger.Event, states []consent.State) (ledger.Event, []consent.State, error) {
	e, states, err := a.appendTo(ctx, tx, c, e, ledger.Evidence{Reason: e.Method}, states)
	if err != nil {
		return e, nil, err
	}
	o, err := a.open(c)
	if err != nil {
		return e, nil, err
	}
	return e, states, tx.Suppress(ctx, a.vault.SuppressionToken(o.number.E164()), "objection:"+e.Method, e.At)
}

// HistoryEvent is a ledger event with its evidence opened.
type HistoryEvent struct {
	ledger.Event
	Evidence *ledger.Evidence `json:"evidence,omitempty"` // nil once erased
}

// History is a contact's consent: the current state per purpose and every event.
type History struct {
	ContactID string          `json:"contact_id"`
	States    []consent.State `json:"states"`
	Events    []HistoryEvent  `json:"events"`
}

// ConsentHistory returns a contact's consent state and full event history; the
// read is recorded.
func (a *App) ConsentHistory(ctx context.Context, actor Actor, id string) (History, error) {
	if err := actor.can(staff.ReadConsents); err != nil {
		return History{}, err
	}
	h := History{ContactID: id, States: []consent.State{}, Events: []HistoryEvent{}}
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		c, err := tx.Contact(ctx, id)
		if err != nil {
			return err
		}
		var key *opened
		if !c.Erased() {
			o, err := a.open(c)
			if err != nil {
				return err
			}
			key = &o
		}
		states, err := tx.ConsentStates(ctx, id)
		if err != nil {
			return err
		}
		h.States = append(h.States, states...)
		events, err := tx.Events(ctx, id)
		if err != nil {
			return err
		}
		for _, e := range events {
			he := HistoryEvent{Event: e.Event}
			if key != nil && e.SealedEvidence != nil {
				ev, err := a.openEvidence(*key, e)
				if err != nil {
					return err
				}
				he.Evidence = &ev
			}
			h.Events = append(h.Events, he)
		}
		return a.recordAccess(ctx, tx, actor, access.Consents, id, "")
	})
	return h, err
}

// Gate answers whether purpose may be sent to the contact now, with the
// authorising consent event or the reason it may not (G-01..G-06).
func (a *App) Gate(ctx context.Context, actor Actor, contactID, purpose string) (consent.Decision, error) {
	if err := actor.can(staff.UseGate); err != nil {
		return consent.Decision{}, err
	}
	p, err := a.store.Purpose(ctx, purpose)
	if errors.Is(err, store.ErrNotFound) {
		return consent.Decision{}, invalid("unknown purpose %q", purpose)
	} else if err != nil {
		return consent.Decision{}, err
	}
	c, err := a.store.Contact(ctx, contactID)
	if err != nil {
		return consent.Decision{}, err
	}
	var suppressedAt time.Time
	if !c.Erased() {
		o, err := a.open(c)
		if err != nil {
			return consent.Decision{}, err
		}
		if suppressedAt, err = a.store.SuppressedAt(ctx, a.vault.SuppressionToken(o.number.E164())); err != nil {
			return consent.Decision{}, err
		}
	}
	sub := subject(c, suppressedAt)
	s, err := a.store.ConsentState(ctx, contactID, purpose)
	if err != nil {
		return consent.Decision{}, err
	}
	return a.gated(consent.Decide(p, sub, s, a.now())), nil
}

// subject is who the gate decides about: the one place that reads a
// contact's state for consent.Decide, so that the API's gate, the campaign
// dispatcher and the web opt-out judge alike. suppressedAt is when the
// contact's number went on the suppression list (zero: not on it).
func subject(c contact.Contact, suppressedAt time.Time) consent.Subject {
	return consent.Subject{Restricted: c.Restricted, Erased: c.Erased(), NorwegianMo: c.Mobile && c.Region == "NO",
		SuppressedAt: suppressedAt, Unreachable: c.Unreachable()}
}
