// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/keyword"
	"github.com/samtykke/samtykke/internal/ledger"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/reply"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

const inboxPurpose = "webhook-inbox"

// ReceiveWebhook takes a webhook body whose signature the transport has
// checked, and returns once what it says is committed: the platform offers
// no way to fetch a body again. Messages and preference changes — opt-outs
// among them — are handled at once, and the body is kept (without what it
// says) to recognise a redelivery; statuses are applied at once with those of
// the bodies that came with them, and a redelivery moves nothing (invariant
// 7). A body that cannot be handled as it came is stored, sealed (it holds
// numbers), for the inbox worker. Events older than the redelivery window are
// ignored (dropStale).
func (a *App) ReceiveWebhook(ctx context.Context, body []byte) error {
	got := a.now()
	payload, err := whatsapp.ParseWebhook(body)
	if err != nil {
		return invalid("webhook: %v", err)
	}
	a.dropStale(payload, got)
	if !hasMessages(payload) {
		// Statuses only: nothing is stored unless they cannot be applied.
		sts := statusesOf(payload)
		if len(sts) == 0 {
			return nil // nothing samtykke acts on
		}
		err := a.applyStatuses(ctx, sts, got)
		if err == nil || ctx.Err() != nil {
			return err
		}
		item := inboxItem(body, got)
		a.log.Error("status webhook not applied at once; stored for the inbox worker", "inbox_id", item.ID, "error", err)
		return a.storeInbox(ctx, item, body)
	}
	// A person wrote (perhaps STOPP): stored as handled and handled in one
	// urgent transaction, ahead of campaign batches waiting for the writer.
	item := inboxItem(body, got)
	urgent := store.Urgent(received(ctx, got))
	err = a.store.Tx(urgent, func(tx store.Tx) error {
		handled := item
		handled.ProcessedAt = a.now()
		if err := tx.PutInbox(urgent, handled); err != nil {
			return err
		}
		return a.handlePayload(urgent, tx, payload)
	})
	if err == nil || errors.Is(err, store.ErrConflict) {
		return nil // handled, or the same body again: already stored
	}
	a.log.Error("webhook not handled at once; stored for the inbox worker", "inbox_id", item.ID, "error", err)
	return a.storeInbox(ctx, item, body)
}

// inboxItem is a body's row in the inbox, named by its digest.
func inboxItem(body []byte, at time.Time) store.InboxItem {
	digest := sha256.Sum256(body)
	return store.InboxItem{ID: newID(), Digest: digest[:], ReceivedAt: at}
}

// A signed body captured today could be replayed once its dedupe records
// (the inbox digest, the seen keys) are purged, webhookRedelivery after it
// was handled. So an event — a message, a status, a preference change —
// whose own timestamp is older than that is ignored: a replay then changes
// nothing, whenever it comes. The window is a little shorter than the purge's
// (webhookClockSkew), in case the platform's clock runs ahead of ours; it is
// still longer than the platform's 7 days of retries.
const (
	webhookClockSkew = 10 * time.Minute
	webhookMaxAge    = webhookRedelivery - webhookClockSkew
)

// dropStale removes from a body the events older than webhookMaxAge at the
// time the body was received, and logs a warning (no personal data) when it
// removed any.
func (a *App) dropStale(p *whatsapp.WebhookPayload, receivedAt time.Time) {
	oldest := receivedAt.Add(-webhookMaxAge).Unix()
	messages, statuses, prefs := 0, 0, 0
	for i := range p.Entry {
		for j := range p.Entry[i].Changes {
			v := &p.Entry[i].Changes[j].Value
			n := len(v.Messages)
			v.Messages = slices.DeleteFunc(v.Messages, func(m whatsapp.InboundMessage) bool { return int64(m.Timestamp) < oldest })
			messages += n - len(v.Messages)
			n = len(v.Statuses)
			v.Statuses = slices.DeleteFunc(v.Statuses, func(st whatsapp.Status) bool { return int64(st.Timestamp) < oldest })
			statuses += n - len(v.Statuses)
			n = len(v.UserPreferences)
			v.UserPreferences = slices.DeleteFunc(v.UserPreferences, func(up whatsapp.UserPreference) bool { return int64(up.Timestamp) < oldest })
			prefs += n - len(v.UserPreferences)
		}
	}
	if messages+statuses+prefs > 0 {
		a.log.Warn("webhook events older than the redelivery window ignored (a replay?)", "messages", messages,
			"statuses", statuses, "preferences", prefs, "max_age", webhookMaxAge)
	}
}

// statusesOf lists the statuses of a body, of every entry and change.
func statusesOf(p *whatsapp.WebhookPayload) []whatsapp.Status {
	var sts []whatsapp.Status
	for _, e := range p.Entry {
		for _, c := range e.Changes {
			sts = append(sts, c.Value.Statuses...)
		}
	}
	return sts
}

// ProcessInbox handles stored webhook bodies in batches, oldest first, until
// none is due; it returns how many it handled. A body whose handling fails is
// put off (deferInbox) and the ones after it are handled meanwhile.
func (a *App) ProcessInbox(ctx context.Context) (int, error) {
	total := 0
	for {
		items, err := a.store.PendingInbox(ctx, 200, a.now())
		if err != nil || len(items) == 0 {
			return total, err
		}
		// Statuses of many bodies share one transaction; messages get their own.
		var statuses []itemPayload
		for _, it := range items {
			pt, err := a.vault.Open(it.BodyCT, inboxPurpose)
			var payload *whatsapp.WebhookPayload
			if err == nil {
				payload, err = whatsapp.ParseWebhook(pt)
			}
			if err == nil {
				// As old as when it came: a body put off for days is handled all the same.
				a.dropStale(payload, it.ReceivedAt)
			}
			if err != nil {
				a.log.Error("webhook body cannot be handled; dropped", "inbox_id", it.ID, "error", err)
				if err := a.markHandled(ctx, it.ID); err != nil {
					return total, err
				}
				continue
			}
			if !hasMessages(payload) {
				statuses = append(statuses, itemPayload{it, payload})
				continue
			}
			if err := a.handleInboxItem(received(ctx, it.ReceivedAt), it.ID, payload); err != nil {
				if err := a.deferInbox(ctx, it, err); err != nil {
					return total, err
				}
				continue
			}
			total++
		}
		n, err := a.applyStatusBodies(ctx, statuses)
		total += n
		if err != nil {
			return total, err
		}
	}
}

// FailingWebhooks counts the stored webhook bodies whose handling failed and
// that wait to be tried again: each may hold an opt-out, so an operator
// should know (the samtykke_webhook_bodies_failing metric).
func (a *App) FailingWebhooks(ctx context.Context) (int64, error) { return a.store.FailingInbox(ctx) }

// maxStatusBatch bounds the statuses applied in one transaction, as a
// campaign's decisions are (250): on SQLite's single writer a withdrawal
// waits for the transaction in progress.
const maxStatusBatch = 250

// applyStatusBodies applies the statuses of bodies that hold nothing else and
// deletes the bodies, a few bodies a transaction; it returns how many it
// applied. When a group fails, its bodies are tried one by one and the one
// that fails alone is put off.
func (a *App) applyStatusBodies(ctx context.Context, bodies []itemPayload) (int, error) {
	applied, alone := 0, 0 // alone: bodies still to try one by one, their group having failed
	for len(bodies) > 0 {
		n := 1
		if alone > 0 {
			alone--
		} else {
			for count := len(statusesOf(bodies[0].payload)); n < len(bodies) && count < maxStatusBatch; n++ {
				count += len(statusesOf(bodies[n].payload))
			}
		}
		err := a.applyStatusGroup(ctx, bodies[:n])
		switch {
		case err == nil:
			applied += n
		case ctx.Err() != nil:
			return applied, err
		case n > 1:
			alone = n
			continue // the same bodies again, each alone
		default:
			if err := a.deferInbox(ctx, bodies[0].item, err); err != nil {
				return applied, err
			}
		}
		bodies = bodies[n:]
	}
	return applied, nil
}

// applyStatusGroup applies the statuses of a few bodies in one transaction
// and deletes the bodies.
func (a *App) applyStatusGroup(ctx context.Context, group []itemPayload) error {
	var sts []whatsapp.Status
	ids := make([]string, len(group))
	first := group[0].item.ReceivedAt
	for i, body := range group {
		ids[i] = body.item.ID
		sts = append(sts, statusesOf(body.payload)...)
		if body.item.ReceivedAt.Before(first) {
			first = body.item.ReceivedAt
		}
	}
	ctx = received(ctx, first) // an objection among them is timed from the first body's receipt: never less than it took
	return a.store.Tx(ctx, func(tx store.Tx) error {
		if err := a.handleStatuses(ctx, tx, sts); err != nil {
			return err
		}
		// Applied, the bodies go: a redelivered one would change
		// nothing, so there is nothing to recognise it by.
		return tx.DropInbox(ctx, ids)
	})
}

// The wait before a failed body is tried again doubles with each attempt,
// from inboxRetryFirst up to inboxRetryMost. A body is never given up: it may
// hold an opt-out. Each failure is logged as an error for the operator.
const (
	inboxRetryFirst = 5 * time.Second
	inboxRetryMost  = time.Hour
)

// deferInbox records a failed attempt at a stored body and puts it off.
func (a *App) deferInbox(ctx context.Context, it store.InboxItem, cause error) error {
	if ctx.Err() != nil {
		return cause // stopped, not failed: no attempt is counted
	}
	wait := inboxRetryMost
	if it.Attempts < 10 {
		wait = min(inboxRetryFirst<<it.Attempts, inboxRetryMost)
	}
	a.log.Error("webhook body not handled; tried again later", "inbox_id", it.ID,
		"attempts", it.Attempts+1, "retry_in", wait, "error", cause)
	return a.store.Tx(ctx, func(tx store.Tx) error { return tx.DeferInbox(ctx, it.ID, a.now().Add(wait)) })
}

type itemPayload struct {
	item    store.InboxItem
	payload *whatsapp.WebhookPayload
}

func hasMessages(p *whatsapp.WebhookPayload) bool {
	for _, e := range p.Entry {
		for _, c := range e.Changes {
			if len(c.Value.Messages) > 0 || len(c.Value.UserPreferences) > 0 {
				return true
			}
		}
	}
	return false
}

func (a *App) markHandled(ctx context.Context, id string) error {
	return a.store.Tx(ctx, func(tx store.Tx) error { return tx.MarkInboxProcessed(ctx, []string{id}, a.now()) })
}

// handleInboxItem handles one body in its own transaction and marks it done.
func (a *App) handleInboxItem(ctx context.Context, id string, p *whatsapp.WebhookPayload) error {
	return a.store.Tx(ctx, func(tx store.Tx) error {
		if err := a.handlePayload(ctx, tx, p); err != nil {
			return err
		}
		return tx.MarkInboxProcessed(ctx, []string{id}, a.now())
	})
}

// handlePayload applies every event of a body. Each event is handled once,
// whatever the redeliveries (invariant 7).
func (a *App) handlePayload(ctx context.Context, tx store.Tx, p *whatsapp.WebhookPayload) error {
	for _, e := range p.Entry {
		for _, c := range e.Changes {
			v := c.Value
			bsuids := map[string]string{} // wa_id -> BSUID, from contacts[]
			for _, wc := range v.Contacts {
				if wc.WaID != "" && wc.UserID != "" {
					bsuids[wc.WaID] = wc.UserID
				}
			}
			if err := a.handleStatuses(ctx, tx, v.Statuses); err != nil {
				return err
			}
			userIDs := make([]string, len(v.Messages))
			pairs := make([]bsuidPair, 0, len(v.Messages)+len(v.UserPreferences))
			for i, m := range v.Messages {
				if userIDs[i] = m.FromUserID; userIDs[i] == "" {
					userIDs[i] = bsuids[m.From]
				}
				if m.Type != "system" { // a number change names the old number: its BSUID is no more
					pairs = append(pairs, bsuidPair{m.From, userIDs[i]})
				}
			}
			for _, up := range v.UserPreferences {
				pairs = append(pairs, bsuidPair{up.WaID, up.UserID})
			}
			// Before what the messages say: a JA that names the number of
			// a BSUID that objected comes after the objection.
			if err := a.linkBSUIDs(ctx, tx, pairs); err != nil {
				return err
			}
			for i, m := range v.Messages {
				if num, err := a.waNumber(m.From); err == nil && m.Type != "system" {
					// The person wrote from the number: WhatsApp reaches it (P-04).
					for _, ix := range a.vault.BlindIndexes(num.E164()) {
						if err := tx.MarkReachable(ctx, ix); err != nil {
							return err
						}
					}
				}
				if err := a.handleMessage(ctx, tx, m, userIDs[i]); err != nil {
					return err
				}
			}
			for _, up := range v.UserPreferences {
				if err := a.handlePreference(ctx, tx, up); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (a *App) once(ctx context.Context, tx store.Tx, key string) (bool, error) {
	return tx.MarkSeen(ctx, a.seenKey(key), a.now())
}

// seenKey is how a handled event's key is stored: its kind, then a keyed
// hash of it. The key itself names the person (an inbound wamid embeds the
// sender's number, a preference event holds it in digits), and a seen key
// outlives an erasure by the webhook period (invariants 4 and 5).
func (a *App) seenKey(key string) string {
	kind, _, _ := strings.Cut(key, ":")
	return kind + ":" + hex.EncodeToString(a.vault.Digest("seen:"+key))
}

// handleStatuses applies status webhooks in a few statements however many
// there are. A status only ever moves a message forward (message.Advance), so
// a redelivered one changes nothing and needs no key of its own.
func (a *App) handleStatuses(ctx context.Context, tx store.Tx, sts []whatsapp.Status) error {
	if len(sts) == 0 {
		return nil
	}
	// An id with a NUL names no message of ours, and PostgreSQL refuses it
	// as text: one such status would fail every body of its group, and then
	// the inbox worker, for ever.
	hasNUL := func(st whatsapp.Status) bool {
		return strings.ContainsRune(st.ID, 0) || strings.ContainsRune(st.BizOpaqueCallbackData, 0)
	}
	if slices.ContainsFunc(sts, hasNUL) { // a copy only then: sts is the caller's
		sts = slices.DeleteFunc(slices.Clone(sts), hasNUL)
	}
	pairs := make([]bsuidPair, len(sts))
	for i, st := range sts {
		pairs[i] = bsuidPair{st.RecipientID, st.RecipientUserID}
	}
	if err := a.linkBSUIDs(ctx, tx, pairs); err != nil {
		return err
	}
	us := make([]store.StatusUpdate, len(sts))
	recipients := map[[2]string]string{} // a message's statuses name the same person
	for i, st := range sts {
		u := store.StatusUpdate{ID: st.BizOpaqueCallbackData, WAMID: st.ID, Status: message.Status(st.Status)}
		if u.ID == "" {
			// Not our id: the wamid is looked for among the recipient's messages.
			who := [2]string{st.RecipientID, st.RecipientUserID}
			contactID, ok := recipients[who]
			if !ok {
				c, _, err := a.person(ctx, tx, st.RecipientID, st.RecipientUserID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				contactID, recipients[who] = c.ID, c.ID
			}
			u.ContactID = contactID
		}
		if len(st.Errors) > 0 {
			u.Code, u.Title = st.Errors[0].Code, st.Errors[0].Title
			// The number does not take WhatsApp messages: counted in a row (P-04).
			u.Undeliverable = u.Status == message.Failed && u.Code == whatsapp.CodeUndeliverable
		}
		us[i] = u
	}
	applied, err := tx.ApplyStatuses(ctx, us, a.now())
	if err != nil {
		return err
	}
	a.noteStatuses(tx, us, applied)
	for i, u := range us {
		if !applied[i] || u.Status != message.Failed || u.Code != 131050 {
			continue
		}
		// The person stopped marketing from this business inside WhatsApp (M-11).
		contactID := u.ContactID
		if u.ID != "" {
			m, err := tx.Message(ctx, u.ID)
			if err != nil {
				return err
			}
			contactID = m.ContactID
		}
		if err := a.objectOnChannel(ctx, tx, contactID, "platform_131050", false); err != nil {
			return err
		}
	}
	return nil
}

// sender finds the contact that wrote, and locks it for what the person
// asks: by number, or by business-scoped user id when the platform leaves
// the number out (§7). A BSUID that came with the number is recorded already
// (linkBSUIDs).
func (a *App) sender(ctx context.Context, tx store.Tx, waID, userID string) (contact.Contact, phone.Number, error) {
	num, err := a.waNumber(waID)
	if err != nil { // no number: by BSUID alone
		c, _, err := a.person(ctx, tx, "", userID)
		if err == nil {
			c, err = tx.LockContact(ctx, c.ID)
		}
		return c, "", err
	}
	// One statement finds and locks: a STOPP under load waits for every
	// round trip (K-06).
	c, err := a.lockContactByNumber(ctx, tx, num.E164())
	return c, num, err
}

// waNumber is the number a wa_id names; an error when it names none.
func (a *App) waNumber(waID string) (phone.Number, error) {
	if waID == "" {
		return "", store.ErrNotFound
	}
	return a.cfg.Phones.Parse("+" + whatsapp.Digits(waID))
}

// person finds the contact a wa_id or BSUID names: by number when it is
// one, else by the BSUID.
func (a *App) person(ctx context.Context, tx store.Tx, waID, userID string) (contact.Contact, phone.Number, error) {
	if n, err := a.waNumber(waID); err == nil {
		c, err := a.contactByNumber(ctx, tx, n.E164())
		return c, n, err
	}
	if userID != "" {
		c, err := a.contactByBSUID(ctx, tx, userID)
		return c, "", err
	}
	return contact.Contact{}, "", store.ErrNotFound
}

// bsuidIndex finds a contact by BSUID (store.Tx.ContactByBSUID).
func (a *App) bsuidIndex(userID string) []byte { return a.vault.BlindIndex("bsuid:" + userID) }

// bsuidToken is the keyed token an objection by BSUID alone waits under
// (store.Tx.ObjectByBSUID): not the BSUID, and not its index either.
func (a *App) bsuidToken(userID string) string {
	return hex.EncodeToString(a.vault.SuppressionToken("bsuid:" + userID))
}

// bsuidPair is a number (wa_id) and a BSUID that one event names together.
type bsuidPair struct{ waID, userID string }

// linkBSUIDs learns from the events that name a person's number and BSUID
// together (reference §7: messages, statuses, preference changes; the body's
// signature checked). The contact with that number — never one created for
// it — gets the BSUID recorded, so that a later message that carries the
// BSUID alone (a person with a username) finds them. An objection given by
// that BSUID alone while it named no contact (ObjectByBSUID) now reaches the
// number: the number is suppressed as of the objection, and its contact, if
// any, gets the objection in its ledger (C-05, R-08). Two statements however
// many events; more only for what changes.
func (a *App) linkBSUIDs(ctx context.Context, tx store.Tx, pairs []bsuidPair) error {
	type link struct {
		num    phone.Number
		userID string
		index  []byte   // the number's blind index, as the contact is recorded under it
		all    [][]byte // the indexes it may be under during a rotation (S-01)
		token  string
	}
	var links []link
	seen := map[bsuidPair]bool{}
	for _, p := range pairs {
		if p.waID == "" || p.userID == "" || seen[p] {
			continue
		}
		seen[p] = true
		num, err := a.waNumber(p.waID)
		if err != nil {
			continue // names no number we could hold
		}
		all := a.vault.BlindIndexes(num.E164())
		links = append(links, link{num, p.userID, all[len(all)-1], all, a.bsuidToken(p.userID)})
	}
	if len(links) == 0 {
		return nil
	}
	tokens, indexes := make([]string, len(links)), make([][]byte, 0, len(links))
	for i, l := range links {
		tokens[i], indexes = l.token, append(indexes, l.all...)
	}
	objections, err := tx.LinkBSUIDObjections(ctx, tokens, a.now())
	if err != nil {
		return err
	}
	recorded, err := tx.ContactBSUIDs(ctx, indexes)
	if err != nil {
		return err
	}
	for _, l := range links {
		o, objected := objections[l.token]
		if objected {
			// As of the objection: only a consent confirmed after it counts (G-02).
			if err := tx.Suppress(ctx, a.vault.SuppressionToken(l.num.E164()), o.Reason, o.At); err != nil {
				return err
			}
		}
		have, known := recorded[string(l.index)]
		for _, ix := range l.all {
			if h, ok := recorded[string(ix)]; ok && !known {
				have, known, l.index = h, true, ix
			}
		}
		index := a.bsuidIndex(l.userID)
		if !known || (!objected && bytes.Equal(have, index)) {
			continue
		}
		c, err := tx.LockContactByIndex(ctx, l.index)
		if errors.Is(err, store.ErrNotFound) {
			continue // erased since it was read
		}
		if err != nil {
			return err
		}
		if !bytes.Equal(have, index) {
			o, err := a.open(c)
			if err != nil {
				return err
			}
			if err := tx.SetBSUID(ctx, c.ID, o.key.Seal([]byte(l.userID), contact.AAD(c.ID, "bsuid")), index); err != nil {
				return err
			}
		}
		if objected {
			method := strings.TrimPrefix(o.Reason, "objection:")
			e := objection(string(consent.WhatsApp), method, "whatsapp", Public)
			states, err := touched(ctx, tx, c.ID, e) // WhatsApp's purposes only
			if err != nil {
				return err
			}
			ev := ledger.Evidence{Reason: method, CollectedAt: o.At.UTC().Format(time.RFC3339Nano),
				Extra: map[string]string{"identified_by": "bsuid"}}
			if _, _, err := a.appendTo(ctx, tx, c, e, ev, states); err != nil {
				return err
			}
		}
	}
	return nil
}

// handleMessage reacts to what a person wrote: an opt-out word or button
// withdraws at once; "JA <code>" confirms their own pending opt-in; "JA
// <entry code>" from a shop's QR code gets a link to the opt-in page; the
// code of a number change, from the new number, confirms it; anything else
// changes nothing. "JA" alone never subscribes anyone (K-03). The platform's
// system message that a person changed number restricts the old number's
// contact and offers the new number a code (handleNumberChanged). Every
// message but the platform's system ones is kept as a reply, sealed, with
// its class (storeReply, issue 23).
func (a *App) handleMessage(ctx context.Context, tx store.Tx, m whatsapp.InboundMessage, userID string) error {
	text, optOutButton, written := messageText(m)
	class := a.replyClass(text, optOutButton)
	if num, err := a.waNumber(m.From); err == nil && written && class == reply.OptOut && !hasCode(m, text) {
		return a.stopMessage(ctx, tx, m, num, text, optOutButton)
	}
	if fresh, err := a.once(ctx, tx, "msg:"+m.ID); err != nil || !fresh {
		return err
	}
	if !written {
		if m.System != nil && m.System.Type == whatsapp.SystemUserChangedNumber {
			return a.handleNumberChanged(ctx, tx, m)
		}
		return nil
	}
	// Every message a person writes is kept for staff to answer within the
	// service window, with what samtykke read in it (issue 23).
	if err := a.storeReply(ctx, tx, m, userID, text, class); err != nil {
		return err
	}
	if t, ok := a.cfg.RightsWords.Match(text); ok && !optOutButton {
		c, num, err := a.sender(ctx, tx, m.From, userID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return a.rightsByMessage(ctx, tx, c, err == nil && !c.Erased(), num, t)
	}
	// The code of a number change, from the new number, confirms it.
	if code, ok := contact.CodeIn(codeText(m, text)); ok {
		if done, err := a.confirmNumberByMessage(ctx, tx, m.From, code, m.ID); err != nil || done {
			return err
		}
	}
	match := a.cfg.Keywords.Classify(text)
	if optOutButton {
		match.Kind = keyword.OptOut
	}
	entry := match.Kind != keyword.OptOut && a.entryCode(text)
	if match.Kind == keyword.None && !entry {
		return nil
	}
	c, num, err := a.sender(ctx, tx, m.From, userID)
	known := err == nil && !c.Erased()
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	switch match.Kind {
	case keyword.OptOut:
		switch {
		case known:
			return a.objectLocked(ctx, tx, c, optOutMethod(optOutButton), true)
		case num == "":
			// By BSUID alone, on no contact: it waits for the number (linkBSUIDs).
			return a.objectByBSUID(ctx, tx, userID, optOutMethod(optOutButton))
		}
		return a.objectByNumber(ctx, tx, num, optOutMethod(optOutButton))
	default:
		if known && match.Kind == keyword.OptIn && match.Code != "" {
			ok, err := a.confirmOptIn(ctx, tx, c.ID, match.Code, "whatsapp", m.ID)
			if err != nil || ok {
				return err
			}
		}
		if num != "" && entry {
			// A shop's QR code: the person wrote first, so a reply with the
			// opt-in page is allowed; it subscribes nobody by itself.
			id := c.ID
			if !known {
				if id, _, err = a.ensureContact(ctx, tx, num, "nb", fields{}); err != nil {
					return err
				}
			}
			return a.queueMessage(ctx, tx, id, message.OptInLink, "", a.optInLink(num.E164(), m.ID))
		}
	}
	return nil
}

// messageText is what a person wrote in a message, and whether they pressed
// an opt-out button; written is false for a message with no text of theirs
// (a system message, media).
func messageText(m whatsapp.InboundMessage) (text string, optOutButton, written bool) {
	switch {
	case m.System != nil:
		return "", false, false
	case m.Text != nil:
		return m.Text.Body, false, true
	case m.Button != nil:
		text = m.Button.Text
		if code, ok := strings.CutPrefix(m.Button.Payload, "OPTIN:"); ok {
			text = "JA " + code
		}
		return text, isOptOutPayload(m.Button.Payload), true
	case m.Interactive != nil && m.Interactive.ButtonReply != nil:
		text = m.Interactive.ButtonReply.Title
		if code, ok := strings.CutPrefix(m.Interactive.ButtonReply.ID, "OPTIN:"); ok {
			text = "JA " + code
		}
		return text, isOptOutPayload(m.Interactive.ButtonReply.ID), true
	}
	return "", false, false
}

// stopMessage is handleMessage for an opt-out (the word or the button) from
// a number, with no number change's code in it: that the message is new,
// and the sender, locked, with their WhatsApp states, are asked in one
// round trip, and the reply is kept under the key found, so that a STOPP
// waits for as few round trips as it can (K-06). A message seen already
// changes nothing; the lock it took ends with the transaction.
func (a *App) stopMessage(ctx context.Context, tx store.Tx, m whatsapp.InboundMessage, num phone.Number, text string, button bool) error {
	fresh := tx.MarkSeenLater(ctx, a.seenKey("msg:"+m.ID), a.now())
	c, states, err := a.lockSenderStates(ctx, tx, num.E164())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if ok, err := fresh(); err != nil || !ok {
		return err
	}
	known := err == nil && !c.Erased()
	if err := a.keepReply(ctx, tx, m, c, known, num, text, reply.OptOut); err != nil {
		return err
	}
	if !known {
		return a.objectByNumber(ctx, tx, num, optOutMethod(button))
	}
	return a.objectStates(ctx, tx, c, states, optOutMethod(button), true)
}

// objectByNumber keeps an objection from a number that is no contact's:
// it is suppressed all the same (RT-05).
func (a *App) objectByNumber(ctx context.Context, tx store.Tx, num phone.Number, method string) error {
	a.noteOptOut(tx, "keyword")
	if err := a.timeOptOut(ctx, tx, method); err != nil {
		return err
	}
	return tx.Suppress(ctx, a.vault.SuppressionToken(num.E164()), "objection:keyword", a.now())
}

// codeText is where a message may carry a number change's code: its
// button's payload when it has the code's prefix, else its text.
func codeText(m whatsapp.InboundMessage, text string) string {
	if m.Button != nil && strings.HasPrefix(m.Button.Payload, contact.CodePayload) {
		return m.Button.Payload
	}
	return text
}

// hasCode reports whether a message carries a number change's code.
func hasCode(m whatsapp.InboundMessage, text string) bool {
	_, ok := contact.CodeIn(codeText(m, text))
	return ok
}

// entryCode reports whether a message is an opt-in word followed by a
// shop's entry code ("JA BUTIKK", from the QR code by the till).
func (a *App) entryCode(text string) bool {
	words := strings.Fields(strings.ToUpper(text))
	return len(words) == 2 && a.cfg.Keywords.Classify(words[0]).Kind == keyword.OptIn &&
		slices.Contains(a.cfg.EntryCodes, strings.Trim(words[1], ".,!?"))
}

// optOutMethod names how a person opted out in a message.
func optOutMethod(button bool) string {
	if button {
		return "button"
	}
	return "keyword"
}

// objectByBSUID keeps an objection from a person the platform named by BSUID
// alone, on no contact, until an event names that BSUID with a number.
func (a *App) objectByBSUID(ctx context.Context, tx store.Tx, userID, method string) error {
	if userID == "" {
		return nil
	}
	a.noteOptOut(tx, method)
	if err := a.timeOptOut(ctx, tx, method); err != nil {
		return err
	}
	return tx.ObjectByBSUID(ctx, a.bsuidToken(userID), "objection:"+method, a.now())
}

func isOptOutPayload(p string) bool {
	return strings.HasPrefix(strings.ToUpper(p), "OPTOUT") || strings.HasPrefix(strings.ToUpper(p), "STOP")
}

func (a *App) handlePreference(ctx context.Context, tx store.Tx, up whatsapp.UserPreference) error {
	if fresh, err := a.once(ctx, tx, fmt.Sprintf("up:%s:%s:%d", whatsapp.Digits(up.WaID)+up.UserID, up.Value, up.Timestamp)); err != nil || !fresh {
		return err
	}
	if up.Value != whatsapp.PreferenceStop {
		return nil // "resume" never re-subscribes: only a fresh, confirmed opt-in does
	}
	c, num, err := a.sender(ctx, tx, up.WaID, up.UserID)
	if errors.Is(err, store.ErrNotFound) {
		if num != "" {
			a.noteOptOut(tx, "platform_preference")
			if err := a.timeOptOut(ctx, tx, "platform_preference"); err != nil {
				return err
			}
			return tx.Suppress(ctx, a.vault.SuppressionToken(num.E164()), "objection:platform_preference", a.now())
		}
		return a.objectByBSUID(ctx, tx, up.UserID, "platform_preference")
	}
	if err != nil {
		return err
	}
	return a.objectLocked(ctx, tx, c, "platform_preference", false)
}

// objectOnChannel commits an objection to every marketing purpose on WhatsApp
// and suppresses the number (C-05, R-08, K-06), then — when the person wrote
// to us and something changed — queues at most one confirmation, with no
// offer in it (K-05).
func (a *App) objectOnChannel(ctx context.Context, tx store.Tx, contactID, method string, confirm bool) error {
	c, err := tx.LockContact(ctx, contactID)
	if err != nil {
		return err
	}
	return a.objectLocked(ctx, tx, c, method, confirm)
}

// objectLocked is objectOnChannel for a contact this transaction has locked.
func (a *App) objectLocked(ctx context.Context, tx store.Tx, c contact.Contact, method string, confirm bool) error {
	if c.Erased() {
		return nil
	}
	// WhatsApp's purposes only: consent elsewhere stays.
	states, err := tx.ChannelStates(ctx, c.ID, string(consent.WhatsApp))
	if err != nil {
		return err
	}
	return a.objectStates(ctx, tx, c, states, method, confirm)
}

// objectStates is objectLocked with the contact's WhatsApp states read in
// tx once it was locked.
func (a *App) objectStates(ctx context.Context, tx store.Tx, c contact.Contact, states []consent.State, method string, confirm bool) error {
	e := objection(string(consent.WhatsApp), method, "whatsapp", Public)
	changed := slices.ContainsFunc(states, func(s consent.State) bool {
		return s.Status == consent.StatusActive || s.Status == consent.StatusPending
	})
	if _, _, err := a.object(ctx, tx, c, e, states); err != nil {
		return err
	}
	if err := a.timeOptOut(ctx, tx, method); err != nil || !confirm || !changed {
		return err // not asked to confirm, or already unsubscribed: no second confirmation
	}
	return a.queueMessage(ctx, tx, c.ID, message.OptOutConfirmation, "", "")
}

type receivedKey struct{}

// received marks ctx with when the webhook body being handled was received,
// so that an opt-out it holds records how long it took (timeOptOut).
func received(ctx context.Context, at time.Time) context.Context {
	return context.WithValue(ctx, receivedKey{}, at)
}

// timeOptOut records, in the transaction that commits an opt-out written
// on WhatsApp, how long it took from its webhook body's receipt (C-05,
// K-06): the audit reports these times. Outside the handling of a webhook
// there is nothing to time.
func (a *App) timeOptOut(ctx context.Context, tx store.Tx, method string) error {
	at, ok := ctx.Value(receivedKey{}).(time.Time)
	if !ok {
		return nil
	}
	return tx.RecordOptOutTime(ctx, store.OptOutTiming{ID: newID(), ReceivedAt: at, CommittedAt: a.now(), Via: trigger("whatsapp", method)})
}
