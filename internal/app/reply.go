// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/keyword"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/portability"
	"github.com/samtykke/samtykke/internal/reply"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// replyPurpose names the master-key seal of a reply from a number that is
// not a contact.
const replyPurpose = "reply"

// replyClass is what samtykke reads in a message: a rights word, an opt-out
// (the word or the button), an opt-in, or nothing of its own.
func (a *App) replyClass(text string, optOutButton bool) reply.Class {
	if optOutButton {
		return reply.OptOut
	}
	if _, ok := a.cfg.RightsWords.Match(text); ok {
		return reply.Rights
	}
	switch k := a.cfg.Keywords.Classify(text).Kind; {
	case k == keyword.OptOut:
		return reply.OptOut
	case k == keyword.OptIn || a.entryCode(text):
		return reply.OptIn
	}
	return reply.None
}

// storeReply keeps a message a person sent, with its class and the end of
// the service window it opened (issue 23): sealed under the contact's data
// key, or under the master key when the number is not a contact's.
func (a *App) storeReply(ctx context.Context, tx store.Tx, m whatsapp.InboundMessage, userID, text string, class reply.Class) error {
	c, num, err := a.person(ctx, tx, m.From, userID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return a.keepReply(ctx, tx, m, c, err == nil && !c.Erased(), num, text, class)
}

// keepReply is storeReply for a sender found already: c, when known, is
// the contact, and num the number the message came from ("" if none).
func (a *App) keepReply(ctx context.Context, tx store.Tx, m whatsapp.InboundMessage, c contact.Contact, known bool, num phone.Number, text string, class reply.Class) error {
	at := a.now()
	if m.Timestamp > 0 && m.Timestamp.Time().Before(at) {
		at = m.Timestamp.Time()
	}
	r := reply.Reply{ID: newID(), At: at, WindowEnds: at.Add(reply.ServiceWindow), Class: class}
	content := reply.Content{Text: text}
	if num != "" {
		content.From, r.SenderIndex = num.E164(), a.vault.BlindIndex(num.E164())
	}
	if known && content.From == "" { // by BSUID alone: the contact's number
		o, err := a.open(c)
		if err != nil {
			return err
		}
		content.From = o.number.E164()
	}
	b, err := json.Marshal(content)
	if err != nil {
		return err
	}
	if known {
		o, err := a.open(c)
		if err != nil {
			return err
		}
		r.ContactID, r.Sealed = c.ID, o.key.Seal(b, contact.AAD(c.ID, "reply:"+r.ID))
	} else {
		r.Sealed = a.vault.Seal(b, replyPurpose+":"+r.ID)
	}
	return tx.AddReply(ctx, r)
}

// ReplyView is a stored reply as staff see it: the sender masked.
type ReplyView struct {
	ID        string      `json:"id"`
	ContactID string      `json:"contact_id,omitempty"` // absent when the number is not a contact
	From      string      `json:"from"`                 // masked: +47 9** ** *67; empty when the platform sent no number
	Text      string      `json:"text"`
	Class     reply.Class `json:"class"`
	At        time.Time   `json:"at"`
	// WindowEnds is when the 24-hour service window this message opened
	// ends; WindowOpen says whether it is open now.
	WindowEnds time.Time `json:"window_ends"`
	WindowOpen bool      `json:"window_open"`
}

// ReplyPage is one page of replies, newest first; Next, when set, is the
// cursor of the page after.
type ReplyPage struct {
	Replies []ReplyView `json:"replies"`
	Next    string      `json:"next,omitempty"`
}

// Replies lists the messages people sent, newest first, senders masked,
// each with its class and whether its service window is still open. Each
// contact's reply read is recorded in the access log (invariant 6).
func (a *App) Replies(ctx context.Context, actor Actor, before string, limit int) (ReplyPage, error) {
	if err := actor.can(staff.ReadReplies); err != nil {
		return ReplyPage{}, err
	}
	limit, err := pageSize(limit)
	if err != nil {
		return ReplyPage{}, err
	}
	page := ReplyPage{Replies: []ReplyView{}}
	now := a.now()
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		rs, err := tx.Replies(ctx, before, limit+1)
		if err != nil {
			return err
		}
		if len(rs) > limit {
			rs, page.Next = rs[:limit], rs[limit-1].ID
		}
		for _, r := range rs {
			v, err := a.openReply(ctx, tx, r)
			if err != nil {
				return err
			}
			v.WindowOpen = r.Open(now)
			page.Replies = append(page.Replies, v)
			if r.ContactID != "" {
				if err := a.recordAccess(ctx, tx, actor, access.Replies, r.ContactID, ""); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return page, err
}

// openReply opens a reply's seal and masks its sender.
func (a *App) openReply(ctx context.Context, r store.Reader, x reply.Reply) (ReplyView, error) {
	v := ReplyView{ID: x.ID, ContactID: x.ContactID, Class: x.Class, At: x.At, WindowEnds: x.WindowEnds}
	var b []byte
	if x.ContactID != "" {
		c, err := r.Contact(ctx, x.ContactID)
		if err != nil {
			return v, err
		}
		o, err := a.open(c)
		if err != nil {
			return v, err
		}
		if b, err = o.key.Open(x.Sealed, contact.AAD(c.ID, "reply:"+x.ID)); err != nil {
			return v, err
		}
	} else {
		var err error
		if b, err = a.vault.Open(x.Sealed, replyPurpose+":"+x.ID); err != nil {
			return v, err
		}
	}
	var content reply.Content
	if err := json.Unmarshal(b, &content); err != nil {
		return v, err
	}
	v.Text = content.Text
	if content.From != "" {
		if n, err := a.cfg.Phones.Parse(content.From); err == nil {
			v.From = n.Masked()
		}
	}
	return v, nil
}

// contactReplies are the messages an opened contact sent, opened with
// their data key, oldest first (R-01: their package holds them).
func (a *App) contactReplies(ctx context.Context, r store.Reader, o opened) ([]portability.OpenedReply, error) {
	rs, err := r.ContactReplies(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	out := make([]portability.OpenedReply, 0, len(rs))
	for _, x := range rs {
		b, err := o.key.Open(x.Sealed, contact.AAD(o.ID, "reply:"+x.ID))
		if err != nil {
			return nil, fmt.Errorf("reply %s: %w", x.ID, err)
		}
		var content reply.Content
		if err := json.Unmarshal(b, &content); err != nil {
			return nil, fmt.Errorf("reply %s: %w", x.ID, err)
		}
		out = append(out, portability.OpenedReply{Reply: x, Text: content.Text})
	}
	return out, nil
}

// purgeReplies deletes the replies past their period (issue 23).
func (a *App) purgeReplies(ctx context.Context) ([]retention.Entry, error) {
	days := a.cfg.Retention.Replies
	n, err := a.inBatches(ctx, func(tx store.Tx, limit int) (int64, error) {
		return tx.PurgeReplies(ctx, a.before(days), limit)
	})
	return a.loggedAll(ctx, retention.ClassReplies, retention.RuleReplies, days, n, err)
}
