// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/i18n"
	"github.com/samtykke/samtykke/internal/job"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// queueMessage records a message to a contact and enqueues its sending in the
// same transaction: it leaves only if the state that called for it commits.
// body carries the one variable part of the text (a link), never a number.
func (a *App) queueMessage(ctx context.Context, tx store.Tx, contactID string, kind message.Kind, bodyKey, arg string) error {
	if bodyKey == "" {
		bodyKey = string(kind)
	}
	if arg != "" {
		bodyKey += "|" + arg
	}
	m := message.Message{ID: newID(), ContactID: contactID, Kind: kind, BodyKey: bodyKey, Status: message.Queued,
		CreatedAt: a.now(), UpdatedAt: a.now()}
	if err := tx.CreateMessage(ctx, m); err != nil {
		return err
	}
	return tx.Enqueue(ctx, job.SendMessage{MessageID: m.ID}, nil)
}

// RetryError asks the queue to try again after a while: the platform said
// nothing was sent (rate limits).
type RetryError struct{ After time.Duration }

func (e *RetryError) Error() string { return fmt.Sprintf("retry after %s", e.After) }

// SendMessage sends a queued message, at most once: the row is claimed
// before the request leaves; a request that may have left and got no answer
// ends as unknown, for the status webhook to settle, and is never re-sent.
func (a *App) SendMessage(ctx context.Context, id string) error {
	if a.cfg.WhatsApp == nil {
		return errors.New("no WhatsApp client configured")
	}
	var m message.Message
	var o opened
	var skipped bool
	var to string // the number it goes to: the contact's, or a number change's new one
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		var err error
		if m, err = tx.Message(ctx, id); err != nil {
			return err
		}
		if m.Status != message.Queued {
			return errAlreadyHandled
		}
		c, err := tx.Contact(ctx, m.ContactID)
		if err != nil {
			return err
		}
		if c.Erased() {
			return tx.FinishMessage(ctx, id, message.Skipped, "", 0, "contact erased", a.now())
		}
		if o, err = a.open(c); err != nil {
			return err
		}
		to = o.number.E164()
		if m.Kind == message.NumberCode {
			var why string
			if to, why, err = a.numberCodeTo(ctx, tx, o, m); err != nil {
				return err
			} else if why != "" {
				skipped = true
				return tx.FinishMessage(ctx, id, message.Skipped, "", 0, why, a.now())
			}
		} else if c.Restricted && !message.MayReachRestricted(m.Kind) {
			// Kept, used for nothing; after a number change the
			// number may be someone else's.
			skipped = true
			return tx.FinishMessage(ctx, id, message.Skipped, "", 0, "contact restricted", a.now())
		}
		if !message.MayReachSuppressed(m.Kind) {
			if suppressed, err := a.isSuppressed(ctx, tx, to); err != nil {
				return err
			} else if suppressed {
				skipped = true
				return tx.FinishMessage(ctx, id, message.Skipped, "", 0, "number suppressed", a.now())
			}
		}
		if err := tx.ClaimMessage(ctx, id, a.now()); err != nil {
			return err
		}
		// It counts against the number's throughput as a campaign's
		// messages do (§3.1), without waiting: a campaign on the number
		// yields it a token (at 80 msg/s the platform answered 130429 to
		// campaigns beside their opt-outs' confirmations, and the campaign
		// paused a second).
		dc := a.dispatchConfig()
		return tx.BorrowToken(ctx, a.cfg.WhatsApp.PhoneNumberID(), dc.Rate, dc.Burst, time.Now())
	})
	if errors.Is(err, errAlreadyHandled) {
		return nil
	}
	if err != nil || o.key == nil || skipped {
		return err
	}
	var res whatsapp.SendResult
	if m.Kind == message.ConfirmationRequest {
		// Outside the service window only a template may go: a utility
		// template with the code and a quick reply that confirms (§5.5).
		_, code, _ := strings.Cut(m.BodyKey, "|")
		res, err = a.cfg.WhatsApp.SendTemplate(ctx, to, confirmationTemplate(o.Language, code), m.ID)
	} else if m.Kind == message.RightsCode {
		_, code, _ := strings.Cut(m.BodyKey, "|")
		res, err = a.cfg.WhatsApp.SendTemplate(ctx, to, rightsCodeTemplate(o.Language, code), m.ID)
	} else if m.Kind == message.NumberCode {
		// A template as well: the new number has written nothing yet.
		_, changeID, _ := strings.Cut(m.BodyKey, "|")
		res, err = a.cfg.WhatsApp.SendTemplate(ctx, to, numberTemplate(o.Language, a.numberCode(changeID)), m.ID)
	} else if m.Kind == message.PreferencesLink {
		// A template too: the person asked on the web, not in the chat. The
		// link is made now, so no usable link is ever stored (M-06).
		res, err = a.cfg.WhatsApp.SendTemplate(ctx, to, preferencesLinkTemplate(o.Language, a.PreferencesLink(m.ContactID)), m.ID)
	} else if m.Kind == message.BreachNotice {
		// A template: the person did not write first (Art. 34, B-05).
		tpl, terr := a.breachNoticeTemplate(ctx, m, o.Language)
		if terr != nil {
			return a.finish(ctx, id, message.Failed, "", 0, terr.Error())
		}
		res, err = a.cfg.WhatsApp.SendTemplate(ctx, to, tpl, m.ID)
	} else if m.Kind == message.Answer {
		// Free text: only inside the service window (reference §1.7).
		text, terr := a.answerText(ctx, o, m)
		if terr != nil {
			return a.finish(ctx, id, message.Failed, "", 0, terr.Error())
		}
		res, err = a.cfg.WhatsApp.SendText(ctx, to, text, m.ID)
	} else {
		text, terr := a.messageText(ctx, m, o.Language)
		if terr != nil {
			return a.finish(ctx, id, message.Failed, "", 0, terr.Error())
		}
		res, err = a.cfg.WhatsApp.SendText(ctx, to, text, m.ID)
	}
	r, wait := sendOutcome(m.ID, res, err)
	if ferr := a.finish(ctx, id, r.Status, r.WAMID, r.Code, r.Title); ferr != nil {
		return ferr
	}
	switch {
	case wait > 0:
		return &RetryError{After: wait}
	case r.Status == message.Queued:
		return fmt.Errorf("send message %s: %w", id, err) // nothing left: River retries
	}
	return nil
}

// noAnswer explains an unknown outcome.
const noAnswer = "no answer; the status webhook will tell"

// sendOutcome classifies a send for the message record, and says how long
// to wait when the platform rate-limited it. A request that may have left
// is unknown, never queued again: the platform has no idempotency key.
func sendOutcome(id string, res whatsapp.SendResult, err error) (store.Result, time.Duration) {
	r := store.Result{MessageID: id}
	var apiErr *whatsapp.APIError
	switch {
	case err == nil:
		r.Status, r.WAMID = message.Sent, res.MessageID
	case errors.Is(err, whatsapp.ErrAmbiguous):
		r.Status, r.Title = message.Unknown, noAnswer
	case errors.As(err, &apiErr) && apiErr.Retryable():
		// The number's own throughput limit says nothing about this message,
		// nor its recipient's pair rate limit, which a campaign waits out for
		// this message alone (store.PairLimitTries); any other retryable
		// error uses up one of its attempts.
		r.Status, r.Code, r.Title = message.Queued, apiErr.Code, truncate(apiErr.Message, 200)
		r.PairLimited = apiErr.Class == whatsapp.ClassPairRateLimited
		r.Counted = apiErr.Class != whatsapp.ClassRateLimited && !r.PairLimited
		return r, max(apiErr.RetryAfter, time.Second)
	case errors.As(err, &apiErr):
		r.Status, r.Code, r.Title = message.Failed, apiErr.Code, truncate(apiErr.Message, 200)
	case errors.Is(err, whatsapp.ErrNotSent):
		r.Status = message.Queued // never left: try again later
	default:
		r.Status, r.Title = message.Unknown, noAnswer
	}
	return r, 0
}

var errAlreadyHandled = errors.New("already handled")

func (a *App) finish(ctx context.Context, id string, st message.Status, wamid string, code int, title string) error {
	return a.store.Tx(ctx, func(tx store.Tx) error {
		a.noteAnswer(tx, st, code)
		return tx.FinishMessage(ctx, id, st, wamid, code, truncate(title, 200), a.now())
	})
}

// messageText renders a non-marketing message in the person's language.
func (a *App) messageText(ctx context.Context, m message.Message, lang string) (string, error) {
	kind, arg, _ := strings.Cut(m.BodyKey, "|")
	biz := a.controller().Name
	switch message.Kind(kind) {
	case message.Receipt:
		states, err := a.store.ConsentStates(ctx, m.ContactID)
		if err != nil {
			return "", err
		}
		var names []string
		for _, s := range states {
			if s.Status != consent.StatusActive {
				continue
			}
			p, err := a.store.Purpose(ctx, s.Purpose)
			if err != nil {
				return "", err
			}
			names = append(names, p.Description.In(lang))
		}
		text := i18n.T(lang, "msg.receipt", "purposes", strings.Join(names, ", "), "business", biz,
			"link", a.PreferencesLink(m.ContactID))
		return text + a.receiptLinks(ctx, lang, arg), nil
	case message.OptOutConfirmation:
		return i18n.T(lang, "msg.optout_confirmation"), nil
	case message.OptInLink:
		return i18n.T(lang, "msg.optin_link", "business", biz, "link", arg), nil
	case message.RightsReply:
		r, err := a.store.RightsRequest(ctx, arg)
		if err != nil {
			return "", err
		}
		what := i18n.T(lang, "rights.type."+string(r.Type))
		if r.State.Closed() {
			return i18n.T(lang, "msg.rights_answered", "business", biz, "type", what, "link", a.RightsLink(r.ID)), nil
		}
		return i18n.T(lang, "msg.rights_received", "business", biz, "type", what,
			"due", r.DueAt.In(rights.Oslo).Format("02.01.2006"), "link", a.RightsLink(r.ID)), nil
	}
	return "", fmt.Errorf("no text for message kind %q", kind)
}

// receiptLinks is the part of a receipt message that links the signed
// receipt of each event confirmed (L-04), or nothing before receipts are set
// up. The links are made as the message leaves: no usable link is stored.
func (a *App) receiptLinks(ctx context.Context, lang, eventIDs string) string {
	if eventIDs == "" || !a.ReceiptsReady() {
		return ""
	}
	var links []string
	ids := strings.Split(eventIDs, ",")
	for _, id := range ids {
		link := a.ReceiptLink(id)
		if len(ids) > 1 {
			name := id
			if e, err := a.store.Event(ctx, id); err == nil {
				if p, err := a.store.Purpose(ctx, e.Purpose); err == nil {
					name = p.Description.In(lang)
				}
			}
			link = name + ": " + link
		}
		links = append(links, link)
	}
	key := "msg.receipt_links"
	if len(links) > 1 {
		key = "msg.receipt_links_many"
	}
	return "\n\n" + i18n.T(lang, key, "links", strings.Join(links, "\n"))
}

// ServiceTemplate is a template samtykke itself sends: the business must have
// it approved, in each language, with the category given.
type ServiceTemplate struct {
	Name, Category string
	Languages      []string
}

// ServiceTemplates are the templates samtykke sends on its own behalf.
var ServiceTemplates = []ServiceTemplate{
	{Name: ConfirmationTemplate, Category: "UTILITY", Languages: []string{"nb", "en"}},
	{Name: PreferencesLinkTemplate, Category: "UTILITY", Languages: []string{"nb", "en"}},
	{Name: NumberTemplate, Category: "UTILITY", Languages: []string{"nb", "en"}},
	{Name: RightsCodeTemplate, Category: "AUTHENTICATION", Languages: []string{"nb", "en"}},
	{Name: BreachNoticeTemplate, Category: "UTILITY", Languages: []string{"nb", "en"}},
}

// RightsCodeTemplate is the authentication template that carries the
// one-time code of a rights request made on the web (T-04): body {{1}} is
// the code (catalog text msg.rights_code).
const RightsCodeTemplate = "samtykke_rights_code"

func rightsCodeTemplate(lang, code string) whatsapp.Template {
	return whatsapp.Template{Name: RightsCodeTemplate, Language: whatsapp.Language{Code: lang},
		Components: []whatsapp.Component{{Type: "body", Parameters: []whatsapp.Parameter{{Type: "text", Text: code}}}}}
}

// ConfirmationTemplate is the utility template that asks a person to confirm
// an opt-in they asked for on the web: body {{1}} is the code; its quick reply
// carries "OPTIN:<code>".
const ConfirmationTemplate = "samtykke_optin_confirmation"

func confirmationTemplate(lang, code string) whatsapp.Template {
	zero := whatsapp.ButtonIndex(0)
	return whatsapp.Template{Name: ConfirmationTemplate, Language: whatsapp.Language{Code: lang},
		Components: []whatsapp.Component{
			{Type: "body", Parameters: []whatsapp.Parameter{{Type: "text", Text: code}}},
			{Type: "button", SubType: "quick_reply", Index: &zero, Parameters: []whatsapp.Parameter{{Type: "payload", Payload: "OPTIN:" + code}}},
		}}
}
