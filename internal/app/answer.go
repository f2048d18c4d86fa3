// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/job"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/portability"
	"github.com/samtykke/samtykke/internal/reply"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// AnswerView is staff's answer to a person's message as staff see it.
type AnswerView struct {
	ID        string         `json:"id"`
	ContactID string         `json:"contact_id"`
	ReplyID   string         `json:"reply_id"`
	MessageID string         `json:"message_id"`
	Text      string         `json:"text"`
	At        time.Time      `json:"at"`
	Actor     string         `json:"actor"`
	Status    message.Status `json:"status"` // its delivery, as the platform reports it
}

// AnswerReply sends staff's free-text answer to the person who wrote reply
// id (issue 23): a service message, never marketing, allowed only while
// the 24-hour service window their last message opened is open (reference
// §1.7); refused, before anything is stored or sent, for a sender who is
// not a contact, an erased or restricted contact, a suppressed
// number (invariant 9) or a closed window. The text is sealed under the
// contact's data key, the message queued in the same transaction, and the
// answer recorded in the access log (invariant 6).
func (a *App) AnswerReply(ctx context.Context, actor Actor, id, text string) (AnswerView, error) {
	if err := actor.can(staff.AnswerReplies); err != nil {
		return AnswerView{}, err
	}
	if err := reply.CheckAnswer(text); err != nil {
		return AnswerView{}, invalid("%v", err)
	}
	var out AnswerView
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		r, err := tx.Reply(ctx, id)
		if err != nil {
			return err
		}
		if r.ContactID == "" {
			return refused("the sender is not a contact: there is no data key to keep the answer under")
		}
		c, err := tx.LockContact(ctx, r.ContactID)
		if err != nil {
			return err
		}
		switch {
		case c.Erased():
			return refused("the contact was erased")
		case c.Restricted:
			return refused("the contact's processing is restricted (Art. 18): nothing is sent to them")
		}
		o, err := a.open(c)
		if err != nil {
			return err
		}
		if suppressed, err := a.isSuppressed(ctx, tx, o.number.E164()); err != nil {
			return err
		} else if suppressed {
			return refused("the number is on the suppression list: nothing is sent to it")
		}
		rs, err := tx.ContactReplies(ctx, c.ID)
		if err != nil {
			return err
		}
		if err := reply.MayAnswer(rs, a.now()); err != nil {
			return fmt.Errorf("%w: %w", ErrRefused, err)
		}
		b, err := json.Marshal(reply.Content{Text: text})
		if err != nil {
			return err
		}
		ans := reply.Answer{ID: newID(), ContactID: c.ID, ReplyID: r.ID, MessageID: newID(), At: a.now(), Actor: actor.String()}
		ans.Sealed = o.key.Seal(b, contact.AAD(c.ID, "answer:"+ans.ID))
		m := message.Message{ID: ans.MessageID, ContactID: c.ID, Kind: message.Answer, BodyKey: string(message.Answer) + "|" + ans.ID,
			Status: message.Queued, CreatedAt: ans.At, UpdatedAt: ans.At}
		if err := tx.CreateMessage(ctx, m); err != nil {
			return err
		}
		if err := tx.AddAnswer(ctx, ans); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, job.SendMessage{MessageID: m.ID}, nil); err != nil {
			return err
		}
		out = AnswerView{ID: ans.ID, ContactID: c.ID, ReplyID: r.ID, MessageID: m.ID, Text: text, At: ans.At, Actor: ans.Actor,
			Status: m.Status}
		return a.recordAccess(ctx, tx, actor, access.Answer, c.ID, "")
	})
	return out, err
}

// answerText is the text of an answer's message, opened with its contact's
// key as it leaves; refused once the service window has closed, so that
// an answer queued too long is never sent outside it.
func (a *App) answerText(ctx context.Context, o opened, m message.Message) (string, error) {
	_, id, _ := strings.Cut(m.BodyKey, "|")
	ans, err := a.store.Answer(ctx, id)
	if err != nil {
		return "", err
	}
	rs, err := a.store.ContactReplies(ctx, o.ID)
	if err != nil {
		return "", err
	}
	if err := reply.MayAnswer(rs, a.now()); err != nil {
		return "", err
	}
	return a.openAnswerText(o, ans)
}

// openAnswerText opens an answer's seal with its contact's key.
func (a *App) openAnswerText(o opened, ans reply.Answer) (string, error) {
	b, err := o.key.Open(ans.Sealed, contact.AAD(o.ID, "answer:"+ans.ID))
	if err != nil {
		return "", fmt.Errorf("answer %s: %w", ans.ID, err)
	}
	var content reply.Content
	if err := json.Unmarshal(b, &content); err != nil {
		return "", fmt.Errorf("answer %s: %w", ans.ID, err)
	}
	return content.Text, nil
}

// Conversation is a person's message with what they and staff wrote in
// the same thread: their messages and staff's answers, oldest first, and
// whether the service window their last message opened is open.
type Conversation struct {
	Reply      ReplyView    `json:"reply"`
	Replies    []ReplyView  `json:"replies"`
	Answers    []AnswerView `json:"answers"`
	WindowEnds time.Time    `json:"window_ends,omitzero"`
	WindowOpen bool         `json:"window_open"`
	// Refusal says why no answer may go now: not_contact, restricted,
	// suppressed or window_closed; empty when one may.
	Refusal string `json:"refusal,omitempty"`
}

// ReplyConversation is reply id with the conversation it belongs to, for
// staff to answer it (issue 23): the sender masked, each read recorded in
// the access log as a read of replies (invariant 6).
func (a *App) ReplyConversation(ctx context.Context, actor Actor, id string) (Conversation, error) {
	if err := actor.can(staff.ReadReplies); err != nil {
		return Conversation{}, err
	}
	var out Conversation
	now := a.now()
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		r, err := tx.Reply(ctx, id)
		if err != nil {
			return err
		}
		if out.Reply, err = a.openReply(ctx, tx, r); err != nil {
			return err
		}
		out.Reply.WindowOpen = r.Open(now)
		out.Replies, out.Answers = []ReplyView{}, []AnswerView{}
		if r.ContactID == "" {
			out.Replies, out.WindowEnds, out.WindowOpen = append(out.Replies, out.Reply), r.WindowEnds, r.Open(now)
			out.Refusal = "not_contact"
			return nil
		}
		c, err := tx.Contact(ctx, r.ContactID)
		if err != nil {
			return err
		}
		rs, err := tx.ContactReplies(ctx, c.ID)
		if err != nil {
			return err
		}
		for _, x := range rs {
			v, err := a.openReply(ctx, tx, x)
			if err != nil {
				return err
			}
			v.WindowOpen = x.Open(now)
			out.Replies = append(out.Replies, v)
		}
		out.WindowEnds = reply.WindowEnd(rs)
		out.WindowOpen = now.Before(out.WindowEnds)
		o, err := a.open(c)
		if err != nil {
			return err
		}
		if out.Answers, err = a.contactAnswers(ctx, tx, o); err != nil {
			return err
		}
		switch {
		case c.Restricted:
			out.Refusal = "restricted"
		case !out.WindowOpen:
			out.Refusal = "window_closed"
		default:
			if s, err := a.isSuppressed(ctx, tx, o.number.E164()); err != nil {
				return err
			} else if s {
				out.Refusal = "suppressed"
			}
		}
		return a.recordAccess(ctx, tx, actor, access.Replies, c.ID, "")
	})
	return out, err
}

// contactAnswers are staff's answers to an opened contact, opened, oldest
// first, each with its message's delivery status.
func (a *App) contactAnswers(ctx context.Context, r store.Reader, o opened) ([]AnswerView, error) {
	as, err := r.ContactAnswers(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	out := make([]AnswerView, 0, len(as))
	for _, x := range as {
		text, err := a.openAnswerText(o, x)
		if err != nil {
			return nil, err
		}
		v := AnswerView{ID: x.ID, ContactID: x.ContactID, ReplyID: x.ReplyID, MessageID: x.MessageID, Text: text, At: x.At, Actor: x.Actor}
		if m, err := r.Message(ctx, x.MessageID); err == nil {
			v.Status = m.Status
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// packageAnswers are staff's answers to an opened contact for their
// package, oldest first.
func (a *App) packageAnswers(ctx context.Context, r store.Reader, o opened) ([]portability.OpenedAnswer, error) {
	as, err := r.ContactAnswers(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	out := make([]portability.OpenedAnswer, 0, len(as))
	for _, x := range as {
		text, err := a.openAnswerText(o, x)
		if err != nil {
			return nil, err
		}
		out = append(out, portability.OpenedAnswer{Answer: x, Text: text})
	}
	return out, nil
}

// purgeAnswers deletes staff's answers past the replies' period (RT-01):
// they are kept exactly as long as the messages they answer.
func (a *App) purgeAnswers(ctx context.Context) ([]retention.Entry, error) {
	days := a.cfg.Retention.Replies
	n, err := a.inBatches(ctx, func(tx store.Tx, limit int) (int64, error) {
		return tx.PurgeAnswers(ctx, a.before(days), limit)
	})
	return a.loggedAll(ctx, retention.ClassAnswers, retention.RuleAnswers, days, n, err)
}
