// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/breach"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/job"
	"github.com/samtykke/samtykke/internal/message"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// PeopleSelection names the people a breach affects: contacts by id, every
// contact, or those with a consent state (of any status) for a purpose.
// Exactly one is given.
type PeopleSelection struct {
	ContactIDs []string
	All        bool
	Purpose    string
}

// MaxPeopleByID is how many contacts one call may name by id; larger groups
// are told by a walk (all, or a purpose).
const MaxPeopleByID = 1000

// PeopleTold is what NotifyPeople did: for contacts named by id, how many
// were told now, could not be told this way, or were told before; for all
// or a purpose, that the walk was queued.
type PeopleTold struct {
	Queued     int  `json:"queued"`     // a WhatsApp message queued for each
	Suppressed int  `json:"suppressed"` // on the suppression list: nothing sent (invariant 9)
	Erased     int  `json:"erased"`     // erased: no number to tell
	Already    int  `json:"already"`    // recorded as told of this breach before
	Walking    bool `json:"walking"`    // all or a purpose: told in batches by the queue
}

// NotifyPeople tells the people a breach affects, each in their language,
// by a WhatsApp message with what happened, what it may mean for them, what
// was done and whom to ask (Art. 34(2), B-05). Each person is recorded once:
// told, or why they could not be told this way — a suppressed number gets
// nothing (invariant 9), an erased person has no number. The breach must
// hold the texts in every language people can have, and a contact point.
// Contacts named by id are told at once; all, or a purpose's, by a walk the
// queue runs in batches.
func (a *App) NotifyPeople(ctx context.Context, actor Actor, id string, sel PeopleSelection) (PeopleTold, error) {
	if err := actor.can(staff.WriteBreaches); err != nil {
		return PeopleTold{}, err
	}
	given := 0
	for _, b := range []bool{len(sel.ContactIDs) > 0, sel.All, sel.Purpose != ""} {
		if b {
			given++
		}
	}
	switch {
	case given != 1:
		return PeopleTold{}, invalid("give exactly one of contact_ids, all or purpose")
	case len(sel.ContactIDs) > MaxPeopleByID:
		return PeopleTold{}, invalid("at most %d contact_ids; tell larger groups with all or purpose", MaxPeopleByID)
	}
	ids := slices.Compact(slices.Sorted(slices.Values(sel.ContactIDs)))
	if sel.Purpose != "" {
		if _, err := a.store.Purpose(ctx, sel.Purpose); errors.Is(err, store.ErrNotFound) {
			return PeopleTold{}, invalid("no purpose %q", sel.Purpose)
		} else if err != nil {
			return PeopleTold{}, err
		}
	}
	var out PeopleTold
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		i, err := tx.LockBreach(ctx, id)
		if err != nil {
			return err
		}
		if err := a.canTell(i); err != nil {
			return err
		}
		if len(ids) == 0 {
			what := "every contact"
			if sel.Purpose != "" {
				what = "the contacts of purpose " + sel.Purpose
			}
			out.Walking = true
			if err := tx.Enqueue(ctx, job.BreachNotices{BreachID: id, Purpose: sel.Purpose, Actor: actor.String()}, nil); err != nil {
				return err
			}
			return a.breachStep(ctx, tx, id, actor, "people_notice_started", "telling "+what+" on WhatsApp, in batches")
		}
		for _, cid := range ids {
			c, err := tx.Contact(ctx, cid)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%w: no contact %s", store.ErrNotFound, cid)
			} else if err != nil {
				return err
			}
			if err := a.tell(ctx, tx, i, c, actor.String(), &out); err != nil {
				return err
			}
		}
		return a.breachStep(ctx, tx, id, actor, "people_told", out.note())
	})
	if err != nil {
		return PeopleTold{}, err
	}
	return out, nil
}

func (p PeopleTold) note() string {
	return fmt.Sprintf("%d told on WhatsApp; could not be told this way: %d suppressed, %d erased; %d told before",
		p.Queued, p.Suppressed, p.Erased, p.Already)
}

// canTell refuses to tell people of a breach whose texts or contact point
// are missing.
func (a *App) canTell(i breach.Incident) error {
	if missing := missingNoticeLanguages(i); len(missing) > 0 {
		return refused("people_notice has no text in %s: people are told in their own language", strings.Join(missing, " and "))
	}
	if a.contactPoint(i) == "" {
		return refused("no contact point to name: set the breach's contact_point, or SAMTYKKE_DPO_EMAIL or SAMTYKKE_DPO_PHONE")
	}
	return nil
}

// tell records one contact as told of a breach, queueing the message, or as
// not reachable this way; a contact recorded before is counted and left.
func (a *App) tell(ctx context.Context, tx store.Tx, i breach.Incident, c contact.Contact, actor string, out *PeopleTold) error {
	n := breach.PersonNotice{BreachID: i.ID, ContactID: c.ID, At: a.now(), Language: c.Language, Outcome: breach.Queued, Actor: actor}
	if n.Language == "" {
		n.Language = "nb"
	}
	if c.Erased() || c.KeyWrapped == nil {
		n.Outcome = breach.Erased
	} else {
		o, err := a.open(c)
		if err != nil {
			return err
		}
		suppressed, err := a.isSuppressed(ctx, tx, o.number.E164())
		if err != nil {
			return err
		}
		if suppressed {
			n.Outcome = breach.Suppressed
		} else {
			n.MessageID = newID()
		}
	}
	added, err := tx.AddBreachNotice(ctx, n)
	if err != nil {
		return err
	}
	switch {
	case !added:
		out.Already++
		return nil
	case n.Outcome == breach.Erased:
		out.Erased++
		return nil
	case n.Outcome == breach.Suppressed:
		out.Suppressed++
		return nil
	}
	out.Queued++
	m := message.Message{ID: n.MessageID, ContactID: c.ID, Kind: message.BreachNotice, BodyKey: string(message.BreachNotice) + "|" + i.ID,
		Status: message.Queued, CreatedAt: a.now(), UpdatedAt: a.now()}
	if err := tx.CreateMessage(ctx, m); err != nil {
		return err
	}
	return tx.Enqueue(ctx, job.SendMessage{MessageID: m.ID}, nil)
}

// breachBatch is how many contacts one transaction of a walk tells.
const breachBatch = 200

// TellBreachPeople works a walk queued by NotifyPeople: it tells, a batch
// per transaction, the contacts (all, or a purpose's) not yet told, until
// none is left or the time given runs out; more says it stopped with some
// left. A walk that stops or fails starts again from the first contact not
// told: each person is recorded once.
func (a *App) TellBreachPeople(ctx context.Context, args job.BreachNotices, budget time.Duration) (more bool, err error) {
	actor := Actor{Name: args.Actor, Role: staff.Admin}
	started := time.Now()
	var total PeopleTold
	after := ""
	for {
		var batch PeopleTold
		var n int
		err := a.store.Tx(ctx, func(tx store.Tx) error {
			i, err := tx.LockBreach(ctx, args.BreachID)
			if err != nil {
				return err
			}
			cs, err := tx.UntoldContacts(ctx, args.BreachID, args.Purpose, after, breachBatch)
			if err != nil {
				return err
			}
			n = len(cs)
			for _, c := range cs {
				if err := a.tell(ctx, tx, i, c, args.Actor, &batch); err != nil {
					return err
				}
				after = c.ID
			}
			return nil
		})
		if err != nil {
			return false, err
		}
		total.Queued, total.Suppressed, total.Erased = total.Queued+batch.Queued, total.Suppressed+batch.Suppressed, total.Erased+batch.Erased
		done := n < breachBatch
		if done || time.Since(started) > budget {
			action := "people_told"
			if !done {
				action = "people_told_in_part"
			}
			err := a.store.Tx(ctx, func(tx store.Tx) error {
				return tx.AddBreachStep(ctx, breach.Step{BreachID: args.BreachID, At: a.now(), Actor: actor.String(), Action: action, Note: total.note()})
			})
			return !done, err
		}
	}
}

// BreachNoticeTemplate is the utility template that tells a person of a
// breach (B-05, Art. 34): body {{1}} the business, {{2}} what happened,
// {{3}} what it may mean for them, {{4}} what was done and what they can
// do, {{5}} whom to ask (catalog text msg.breach_notice).
const BreachNoticeTemplate = "samtykke_breach_notice"

// breachNoticeTemplate builds a breach notice for a contact in its
// language, from the breach as it stands when the message leaves.
func (a *App) breachNoticeTemplate(ctx context.Context, m message.Message, lang string) (whatsapp.Template, error) {
	_, id, _ := strings.Cut(m.BodyKey, "|")
	i, err := a.store.Breach(ctx, id)
	if err != nil {
		return whatsapp.Template{}, err
	}
	n, ok := i.People[lang]
	if !ok {
		return whatsapp.Template{}, fmt.Errorf("breach %s has no notice text in %s", id, lang)
	}
	contact := a.contactPoint(i)
	if contact == "" {
		return whatsapp.Template{}, fmt.Errorf("breach %s has no contact point", id)
	}
	var ps []whatsapp.Parameter
	for _, v := range []string{a.controller().Name, n.What, n.Consequences, n.Advice, contact} {
		// A template parameter holds no line breaks, tabs or long runs of spaces.
		ps = append(ps, whatsapp.Parameter{Type: "text", Text: strings.Join(strings.Fields(v), " ")})
	}
	return whatsapp.Template{Name: BreachNoticeTemplate, Language: whatsapp.Language{Code: lang},
		Components: []whatsapp.Component{{Type: "body", Parameters: ps}}}, nil
}
