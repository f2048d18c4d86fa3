// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"time"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/store"
)

// Observer is told what the use cases did once it has committed: the
// service's metrics (package metrics). What it is given comes from small
// fixed sets (the constants below, ledger kinds, message statuses, gate
// reasons, platform error codes, configured sending numbers): never an id
// of a person, a number or a token.
type Observer interface {
	// OptInRequested: an opt-in form was submitted (FlowWebForm), or the
	// form a shop's QR code led to (FlowWhatsAppLink), confirmed at once.
	OptInRequested(flow string)
	// OptInConfirmed: an opt-in was confirmed, by the code from the
	// person's WhatsApp (whatsapp), a link by SMS or e-mail (link), or the
	// QR-code form (whatsapp_link).
	OptInConfirmed(channel string)
	// OptOut: an objection or withdrawal committed, by its trigger (the
	// Trigger* constants).
	OptOut(trigger string)
	// ConsentEvent: a consent ledger event of this kind was appended.
	ConsentEvent(kind ledger.Kind)
	// SendAnswered: n send requests were answered and the answer recorded:
	// sent, failed, unknown (no answer), or queued to try again; code is
	// the platform's error code (0: none).
	SendAnswered(status message.Status, code, n int)
	// StatusApplied: n messages were moved to a status by status webhooks
	// (sent, delivered, read, failed), or settled as failed when none came;
	// code is the platform's error code (0: none).
	StatusApplied(status message.Status, code, n int)
	// GateDecision: the gate decided (GateSource*); reason is empty when it
	// allowed the message.
	GateDecision(source string, reason consent.Reason)
	// Dispatched: n campaign requests left on a sending number (its
	// configured phone-number id).
	Dispatched(sender string, n int)
	// WebhookBody: a webhook POST was answered, with its outcome
	// (Webhook* constants), after d.
	WebhookBody(outcome string, d time.Duration)
}

// The flows of OptInRequested.
const (
	FlowWebForm      = "web_form"
	FlowWhatsAppLink = "whatsapp_link"
)

// What triggered an opt-out (OptOut).
const (
	TriggerKeyword         = "keyword"          // STOPP and the other words (K-01)
	TriggerButton          = "button"           // the opt-out button of a marketing template
	TriggerUserPreferences = "user_preferences" // the platform's marketing stop (§5.2)
	Trigger131050          = "131050"           // a send refused because the person stopped marketing (M-11)
	TriggerWeb             = "web"              // the preference centre
	TriggerAPI             = "api"              // staff or an integration, through the API
)

// Triggers lists every trigger, for metrics to start at zero.
var Triggers = []string{TriggerKeyword, TriggerButton, TriggerUserPreferences, Trigger131050, TriggerWeb, TriggerAPI}

// trigger is what caused an opt-out recorded from a source ("api" for
// Withdraw, whatever method its caller names; "whatsapp" for what came from
// the platform) with a method: one of Triggers.
func trigger(source, method string) string {
	if source == "api" && method != "preference_centre" {
		return TriggerAPI
	}
	switch method {
	case "keyword":
		return TriggerKeyword
	case "button":
		return TriggerButton
	case "platform_preference":
		return TriggerUserPreferences
	case "platform_131050":
		return Trigger131050
	case "preference_centre":
		return TriggerWeb
	}
	return TriggerAPI
}

// Where a gate decision was asked for (GateDecision).
const (
	GateSourceCampaign = "campaign" // a campaign's dispatch, for each message
	GateSourceAPI      = "api"      // GET /api/v1/gate
)

// The outcomes of a webhook POST (WebhookBody).
const (
	WebhookHandled      = "handled"       // committed before the 200
	WebhookInvalid      = "invalid"       // signed, but not a webhook body
	WebhookFailed       = "failed"        // could not even be stored: the platform sends it again
	WebhookBadSignature = "bad_signature" // refused: X-Hub-Signature-256 does not verify
	WebhookTooLarge     = "too_large"     // refused: larger than the limit
)

// WebhookOutcomes lists every outcome, for metrics to start at zero.
var WebhookOutcomes = []string{WebhookHandled, WebhookInvalid, WebhookFailed, WebhookBadSignature, WebhookTooLarge}

// ObserveWebhook tells the observer, if any, of a webhook POST answered.
func (a *App) ObserveWebhook(outcome string, d time.Duration) {
	if o := a.cfg.Observer; o != nil {
		o.WebhookBody(outcome, d)
	}
}

// watch makes the store's transactions hold what they note for the
// observer until they commit: a transaction rolled back (and perhaps tried
// again, like a webhook body the inbox worker handles later) counts nothing.
func (a *App) watch() {
	if _, ok := a.store.(observedStore); !ok && a.cfg.Observer != nil {
		a.store = observedStore{Store: a.store, app: a}
	}
}

// observedStore is a store whose transactions keep notes for the observer.
type observedStore struct {
	store.Store
	app *App
}

// observedTx is a transaction with the notes taken in it.
type observedTx struct {
	store.Tx
	notes []func(Observer)
}

// Tx runs fn in a transaction and, once it commits, tells the observer what
// fn noted.
func (s observedStore) Tx(ctx context.Context, fn func(store.Tx) error) error {
	t := &observedTx{}
	err := s.Store.Tx(ctx, func(tx store.Tx) error {
		t.Tx, t.notes = tx, t.notes[:0]
		return fn(t)
	})
	if o := s.app.cfg.Observer; err == nil && o != nil {
		for _, f := range t.notes {
			f(o)
		}
	}
	return err
}

// note tells the observer f once tx commits; at once when tx is nil (not in
// a transaction).
func (a *App) note(tx store.Tx, f func(Observer)) {
	if t, ok := tx.(*observedTx); ok {
		t.notes = append(t.notes, f)
	} else if o := a.cfg.Observer; o != nil {
		f(o)
	}
}

// noteOptIn notes a submitted opt-in form, when it was recorded.
func (a *App) noteOptIn(err error, linked bool) {
	if err != nil {
		return
	}
	a.note(nil, func(o Observer) {
		if linked {
			o.OptInRequested(FlowWhatsAppLink)
			o.OptInConfirmed(FlowWhatsAppLink)
			return
		}
		o.OptInRequested(FlowWebForm)
	})
}

// noteEvent notes a ledger event, and an opt-out when it is one. An
// objection given by WhatsApp user id alone was counted when it was kept
// (noteOptOut); the event that later carries it into the contact's ledger,
// once the id comes with a number, is not a second one.
func (a *App) noteEvent(tx store.Tx, e ledger.Event, ev ledger.Evidence) {
	a.note(tx, func(o Observer) {
		o.ConsentEvent(e.Kind)
		if (e.Kind == ledger.Objected || e.Kind == ledger.Withdrawn) && ev.Extra["identified_by"] != "bsuid" {
			o.OptOut(trigger(e.Source, e.Method))
		}
	})
}

// noteOptOut notes an opt-out, given through the platform with a method,
// of a number or user id that is not a contact: only its suppression is
// recorded.
func (a *App) noteOptOut(tx store.Tx, method string) {
	a.note(tx, func(o Observer) { o.OptOut(trigger("whatsapp", method)) })
}

// gated notes a decision of the gate for the API, and returns it.
func (a *App) gated(d consent.Decision) consent.Decision {
	a.note(nil, func(o Observer) { o.GateDecision(GateSourceAPI, d.Reason) })
	return d
}

// noteDecisions notes a campaign batch's gate decisions.
func (a *App) noteDecisions(tx store.Tx, ds []store.Decision) {
	a.note(tx, func(o Observer) {
		for _, d := range ds {
			if d.Status == message.Sending {
				o.GateDecision(GateSourceCampaign, "")
			} else {
				o.GateDecision(GateSourceCampaign, consent.Reason(d.Reason))
			}
		}
	})
}

// noteResults notes the recorded answers of campaign sends.
func (a *App) noteResults(tx store.Tx, rs []store.Result) {
	a.note(tx, func(o Observer) {
		for _, r := range rs {
			o.SendAnswered(r.Status, r.Code, 1)
		}
	})
}

// noteAnswer notes the recorded answer of a service message's send.
func (a *App) noteAnswer(tx store.Tx, status message.Status, code int) {
	a.note(tx, func(o Observer) { o.SendAnswered(status, code, 1) })
}

// noteSettled notes n unknown messages settled as failed.
func (a *App) noteSettled(tx store.Tx, n int64) {
	if n > 0 {
		a.note(tx, func(o Observer) { o.StatusApplied(message.Failed, 0, int(n)) })
	}
}

// noteStatuses notes the status webhooks that moved a message.
func (a *App) noteStatuses(tx store.Tx, us []store.StatusUpdate, applied []bool) {
	a.note(tx, func(o Observer) {
		for i, u := range us {
			if i < len(applied) && applied[i] {
				o.StatusApplied(u.Status, u.Code, 1)
			}
		}
	})
}
