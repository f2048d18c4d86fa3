// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/backup"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// Erasure is what erasing a person did (R-04, R-05, RT-05).
type Erasure struct {
	ContactID string    `json:"contact_id"`
	ErasedAt  time.Time `json:"erased_at"`
	// EventID is the ledger's erased event: the chain stays and verifies (L-05).
	EventID string `json:"event_id"`
	// SuppressionKept says the keyed token of the number stays on the
	// suppression list, and KeptBecause why (RT-05).
	SuppressionKept bool   `json:"suppression_kept"`
	KeptBecause     string `json:"suppression_kept_because,omitempty"`
	// MessagesUnlinked counts the person's message records that lost the
	// platform's id (a wamid embeds the number); the records stay (RT-08).
	MessagesUnlinked int64 `json:"messages_unlinked"`
	// ProcessorTaskID is the task to tell Meta where it may still hold the
	// person's data; empty when nothing of the person went through
	// WhatsApp: no message reached the platform, no BSUID was recorded, no
	// event was given or confirmed in WhatsApp.
	ProcessorTaskID string `json:"processor_task_id,omitempty"`
}

// keptBecause is the reason recorded on a suppression that outlives its
// contact (RT-05).
const keptBecause = "RT-05: the person opted out or objected; only this keyed token of the number is kept, " +
	"so that the number is never messaged or added again"

// Erase erases a person on request: crypto-shredding, and everything
// else that names them, in one transaction; see eraseLocked. why is the
// reason, recorded in the access log (a reference to the request, never a
// number). A contact erased already is store.ErrConflict, naming when: an
// erasure is final and is not done twice. After the commit the database
// files are scrubbed (invariant 5).
func (a *App) Erase(ctx context.Context, actor Actor, contactID, why string) (Erasure, error) {
	if err := actor.can(staff.EraseContacts); err != nil {
		return Erasure{}, err
	}
	if err := access.CheckReason(why, phone.Mentions); err != nil {
		return Erasure{}, invalid("%v", err)
	}
	var out Erasure
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		c, err := tx.LockContact(ctx, contactID)
		if err != nil {
			return err
		}
		if c.Erased() {
			return fmt.Errorf("%w: contact %s was erased on %s; nothing is left to erase", store.ErrConflict, c.ID,
				c.ErasedAt.Format(time.RFC3339))
		}
		if out, err = a.eraseLocked(ctx, tx, c, erasure{actor: actor, method: "request", source: "api", reason: why}); err != nil {
			return err
		}
		if err := a.recordRetention(ctx, tx, retention.ClassContacts, retention.RuleRequest, 0, 1); err != nil {
			return err
		}
		return a.recordAccess(ctx, tx, actor, access.Erase, c.ID, why)
	})
	if err != nil {
		return Erasure{}, err
	}
	a.scrub(ctx)
	return out, nil
}

// erasure says who erases, how and why, for the ledger's erased event.
type erasure struct {
	actor  Actor
	method string // request, retention, expiry
	source string
	reason string // the evidence's reason (shredded with the key, its digest kept)
}

// whatsappMethods are the ledger methods of an event the person gave in
// WhatsApp: Meta holds that conversation. A consent confirmed on WhatsApp
// (its evidence's confirmation channel) counts too.
var whatsappMethods = map[string]bool{"whatsapp": true, "keyword": true, "button": true, "platform_preference": true,
	"platform_131050": true}

// eraseLocked erases contact c, which tx holds (LockContact) and which is
// not erased, inside tx: it appends the ledger's erased event (the chain
// still verifies, L-05); keeps the number's suppression token only when the
// person opted out or objected, recording why (RT-05); deletes the waiting
// or linked objection of the contact's BSUID and the rate-limit counters of
// its number; crypto-shreds the contact (its key, number, fields, BSUID,
// tags, pending opt-ins, and its messages' wamids, which embed the number:
// EraseContact); and records the task to tell Meta where it may still hold
// the person's data. Nothing is left that finds the contact by its
// number: a later opt-in for the number makes a new contact.
func (a *App) eraseLocked(ctx context.Context, tx store.Tx, c contact.Contact, why erasure) (Erasure, error) {
	o, err := a.open(c)
	if err != nil {
		return Erasure{}, err
	}
	now := a.now()
	out := Erasure{ContactID: c.ID, ErasedAt: now}
	events, err := tx.Events(ctx, c.ID)
	if err != nil {
		return out, err
	}
	var objection *ledger.Event
	viaWhatsApp := false
	for _, e := range events {
		if e.Kind == ledger.Objected && objection == nil {
			objection = &e.Event
		}
		viaWhatsApp = viaWhatsApp || whatsappMethods[e.Method]
		if e.Kind == ledger.Confirmed && !viaWhatsApp {
			ev, err := a.openEvidence(o, e)
			if err != nil {
				return out, fmt.Errorf("contact %s: evidence of event %s: %w", c.ID, e.ID, err)
			}
			viaWhatsApp = strings.HasPrefix(ev.ConfirmationChannel, "whatsapp")
		}
	}
	e164 := o.number.E164()
	token := a.vault.SuppressionToken(e164)
	suppressed, err := tx.SuppressedAt(ctx, token)
	if err != nil {
		return out, err
	}
	if objection != nil && suppressed.IsZero() {
		// Every objection suppresses in its own transaction (invariant 11);
		// should the token be missing, the erasure must not lose it.
		if err := tx.Suppress(ctx, token, "objection:"+objection.Method, objection.At); err != nil {
			return out, err
		}
		suppressed = objection.At
	}
	if !suppressed.IsZero() {
		if err := tx.KeepSuppression(ctx, token, keptBecause); err != nil {
			return out, err
		}
		out.SuppressionKept, out.KeptBecause = true, keptBecause
	}
	sealed, err := tx.SealedBSUID(ctx, c.ID)
	if err != nil {
		return out, err
	}
	if sealed != nil {
		viaWhatsApp = true
		userID, err := o.key.Open(sealed, contact.AAD(c.ID, "bsuid"))
		if err != nil {
			return out, fmt.Errorf("contact %s: its BSUID does not open: %w", c.ID, err)
		}
		if err := tx.DeleteBSUIDObjection(ctx, a.bsuidToken(string(userID))); err != nil {
			return out, err
		}
	}
	if err := tx.DeleteRateLimits(ctx, a.numberLimits(e164)); err != nil {
		return out, err
	}
	messages, last, err := tx.PlatformMessages(ctx, c.ID)
	if err != nil {
		return out, err
	}
	states, err := tx.ConsentStates(ctx, c.ID)
	if err != nil {
		return out, err
	}
	e, _, err := a.appendTo(ctx, tx, c, ledger.Event{Kind: ledger.Erased, Method: why.method, Source: why.source,
		Actor: why.actor.String(), At: now}, ledger.Evidence{Reason: why.reason}, states)
	if err != nil {
		return out, err
	}
	out.EventID = e.ID
	if err := tx.EraseContact(ctx, c.ID, now); err != nil {
		return out, err
	}
	out.MessagesUnlinked = messages
	if messages > 0 || viaWhatsApp {
		task := retention.MetaTask(newID(), c.ID, messages, last, now)
		if err := tx.CreateProcessorTask(ctx, task); err != nil {
			return out, err
		}
		out.ProcessorTaskID = task.ID
	}
	if a.cfg.Journal != nil {
		// Last, so that an erasure refused above leaves no line; synced
		// before the commit, so that no committed erasure lacks one (S-03).
		rec := backup.Erased{ContactID: c.ID, At: now, Method: why.method}
		if out.SuppressionKept {
			rec.Suppression = hex.EncodeToString(token)
		}
		if err := a.cfg.Journal.Append(rec); err != nil {
			return out, fmt.Errorf("the erasure journal could not be written, so the erasure was not made: %w", err)
		}
	}
	return out, nil
}

// Reapplied is what ReapplyErasures did.
type Reapplied struct {
	// Erased counts the contacts erased again: erased after the backup.
	Erased int
	// AlreadyErased counts those the restored data had erased already.
	AlreadyErased int
	// Unknown counts contacts the restored data does not hold: made after
	// the backup and erased since.
	Unknown int
	// Suppressed counts suppression tokens put back on the list: kept by
	// an erasure after the backup, of a number that had opted out or
	// objected.
	Suppressed int
}

// ReapplyErasures makes a restored database forget everyone the erasure
// journal says was erased (S-03): each contact the data holds and has not
// erased is erased again through the same use case as any erasure (R-04:
// crypto-shredding, the ledger's erased event, the suppression kept, the
// task for Meta), and each kept suppression token goes back on the list,
// for the contacts made after the backup too. Erasing what the data had
// erased already is skipped, so running it twice changes nothing more. The
// database files are scrubbed afterwards (invariant 5).
func (a *App) ReapplyErasures(ctx context.Context, journal []backup.Erased) (Reapplied, error) {
	var out Reapplied
	for _, rec := range journal {
		token, err := rec.Token()
		if err != nil {
			return out, invalid("erasure of contact %s: %v", rec.ContactID, err)
		}
		method := rec.Method
		if method == "" {
			method = "request"
		}
		err = a.store.Tx(ctx, func(tx store.Tx) error {
			c, err := tx.LockContact(ctx, rec.ContactID)
			switch {
			case errors.Is(err, store.ErrNotFound):
				out.Unknown++
			case err != nil:
				return err
			case c.Erased():
				out.AlreadyErased++
			default:
				why := "re-applied at restore from the erasure journal; first erased " + rec.At.UTC().Format(time.RFC3339)
				if _, err := a.eraseLocked(ctx, tx, c, erasure{actor: System, method: method, source: "restore", reason: why}); err != nil {
					return err
				}
				if err := a.recordAccess(ctx, tx, System, access.Erase, c.ID, why); err != nil {
					return err
				}
				out.Erased++
			}
			if token == nil {
				return nil
			}
			at, err := tx.SuppressedAt(ctx, token)
			if err != nil || !at.IsZero() {
				return err
			}
			if err := tx.Suppress(ctx, token, "restore:"+method, rec.At); err != nil {
				return err
			}
			out.Suppressed++
			return tx.KeepSuppression(ctx, token, keptBecause)
		})
		if err != nil {
			return out, fmt.Errorf("re-applying the erasure of contact %s: %w", rec.ContactID, err)
		}
	}
	if out.Erased > 0 {
		a.scrub(ctx)
	}
	return out, nil
}

// The rate-limit counters kept per number, by the hex of its blind index
// (never the number): a prefix each.
const (
	limitOptIn        = "optin:num:"
	limitOptOut       = "optout:num:"
	limitRights       = "rights:num:"
	limitNumberChange = "number-change:num:"
	limitConfirm      = "confirm:" // then the channel and ":"
)

// numberLimit is the rate-limit key of a number under a prefix.
func (a *App) numberLimit(prefix, e164 string) string {
	return prefix + hex.EncodeToString(a.vault.Digest(e164))
}

// numberLimits are every rate-limit key a number may have: erasure deletes
// them, since each is the number's blind index.
func (a *App) numberLimits(e164 string) []string {
	keys := []string{a.numberLimit(limitOptIn, e164), a.numberLimit(limitOptOut, e164), a.numberLimit(limitRights, e164),
		a.numberLimit(limitNumberChange, e164)}
	for _, ch := range []string{ConfirmByTemplate, ConfirmBySMS, ConfirmByEmail} {
		keys = append(keys, a.numberLimit(limitConfirm+ch+":", e164))
	}
	return keys
}

// scrub asks the store to make its files forget what was just erased
// (invariant 5). A failure leaves the data unreadable all the same (the key
// is gone); the next erasure or retention run scrubs again.
func (a *App) scrub(ctx context.Context) {
	if err := a.store.Scrub(ctx); err != nil {
		a.log.Warn("the database files may hold erased data until the next scrub", "error", err)
	}
}

// recordRetention appends an entry to the retention log in tx.
func (a *App) recordRetention(ctx context.Context, tx store.Tx, class retention.Class, rule retention.Rule, days int, n int64) error {
	return tx.RecordRetention(ctx, retention.Entry{ID: newID(), At: a.now(), Class: class, Rule: rule, Days: days, Count: n})
}
