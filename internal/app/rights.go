// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/portability"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/rights"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// RightsView is a rights request as staff and the API see it: no personal
// data, the contact named by its pseudonymous id.
type RightsView struct {
	ID              string       `json:"id"`
	Type            rights.Type  `json:"type"`
	ContactID       string       `json:"contact_id,omitempty"`
	Channel         string       `json:"channel"`
	Via             string       `json:"via,omitempty"`
	Language        string       `json:"language"`
	State           rights.State `json:"state"`
	ReceivedAt      time.Time    `json:"received_at"`
	DueAt           time.Time    `json:"due_at"`
	ExtendedUntil   *time.Time   `json:"extended_until,omitempty"`
	ExtensionReason string       `json:"extension_reason,omitempty"`
	ToldAt          *time.Time   `json:"told_at,omitempty"`
	ToldHow         string       `json:"told_how,omitempty"`
	VerifiedAt      *time.Time   `json:"verified_at,omitempty"`
	ClosedAt        *time.Time   `json:"closed_at,omitempty"`
	Answer          string       `json:"answer,omitempty"`
	NearDue         bool         `json:"near_due"`
	Overdue         bool         `json:"overdue"`
	Steps           []RightsStep `json:"steps,omitempty"`
}

// RightsStep is one recorded step of a request.
type RightsStep = RegisterStep

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (a *App) rightsView(r rights.Request, steps []rights.Step) RightsView {
	v := RightsView{ID: r.ID, Type: r.Type, ContactID: r.ContactID, Channel: string(r.Channel), Via: r.Via,
		Language: r.Language, State: r.State, ReceivedAt: r.ReceivedAt, DueAt: r.DueAt,
		ExtendedUntil: optTime(r.ExtendedUntil), ExtensionReason: r.ExtensionReason, ToldAt: optTime(r.ToldAt),
		ToldHow: r.ToldHow, VerifiedAt: optTime(r.VerifiedAt), ClosedAt: optTime(r.ClosedAt), Answer: r.Answer,
		NearDue: r.NearlyDue(a.now()), Overdue: r.Overdue(a.now())}
	for _, s := range steps {
		v.Steps = append(v.Steps, RightsStep{At: s.At, Actor: s.Actor, Action: s.Action, Note: s.Note})
	}
	return v
}

// rightsErr maps the rules' errors onto the app's.
func rightsErr(err error) error { return registerErr(err, rights.ErrInvalid, rights.ErrRefused) }

// RightsInput is a request staff file for a person who asked by letter,
// phone, e-mail or in person.
type RightsInput struct {
	Type      string
	ContactID string
	Phone     string
	Via       string     // letter, phone, email, in_person (default letter)
	Language  string     // the person's language (default: the contact's, or nb)
	Received  *time.Time // when it reached the controller (default now; never in the future)
}

// FileRequest records a rights request staff received (T-03: due one month
// after receipt). Staff checked the person's identity by the means the
// request came by; the request is open at once. A number no contact holds
// files a request with no contact: the answer is that nothing is held
// (Art. 15(1)), or that only a suppression token is.
func (a *App) FileRequest(ctx context.Context, actor Actor, in RightsInput) (RightsView, error) {
	if err := actor.can(staff.WriteRights); err != nil {
		return RightsView{}, err
	}
	t, err := rights.ParseType(in.Type)
	if err != nil {
		return RightsView{}, rightsErr(err)
	}
	if in.Via == "" {
		in.Via = "letter"
	}
	if !slices.Contains(rights.StaffVias, in.Via) {
		return RightsView{}, invalid("via must be one of %s", strings.Join(rights.StaffVias, ", "))
	}
	if (in.ContactID == "") == (in.Phone == "") {
		return RightsView{}, invalid("give contact_id or phone, not both")
	}
	now := a.now()
	received := now
	if in.Received != nil {
		received = in.Received.UTC().Truncate(time.Microsecond)
		if received.After(now) || received.Before(now.AddDate(-1, 0, 0)) {
			return RightsView{}, invalid("received_at must lie within the past year and not in the future")
		}
	}
	var lang string
	if in.Language != "" {
		if lang, err = contact.CheckLanguage(in.Language); err != nil {
			return RightsView{}, invalid("%v", err)
		}
	}
	var num string
	if in.Phone != "" {
		n, err := a.parsePhone(in.Phone)
		if err != nil {
			return RightsView{}, err
		}
		num = n.E164()
	}
	r := rights.Request{ID: newID(), Type: t, Channel: rights.Staff, Via: in.Via, State: rights.Open,
		ReceivedAt: received, DueAt: rights.Due(received), VerifiedAt: now, CreatedBy: actor.String()}
	err = a.store.Tx(ctx, func(tx store.Tx) error {
		var c contact.Contact
		var err error
		if num != "" {
			c, err = a.contactByNumber(ctx, tx, num)
			if err == nil {
				err = a.recordAccess(ctx, tx, actor, access.Lookup, c.ID, "rights request")
			}
		} else {
			c, err = tx.Contact(ctx, in.ContactID)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%w: no contact %s", store.ErrNotFound, in.ContactID)
			}
		}
		switch {
		case errors.Is(err, store.ErrNotFound) || (err == nil && c.Erased()):
			// Not held (or erased): the request still counts, with no contact.
		case err != nil:
			return err
		default:
			r.ContactID = c.ID
			if lang == "" {
				lang = c.Language
			}
		}
		if lang == "" {
			lang = "nb"
		}
		r.Language = lang
		if err := tx.CreateRightsRequest(ctx, r, store.RightsCode{}); err != nil {
			return err
		}
		return a.rightsStep(ctx, tx, r.ID, actor, "received", "filed by staff; received by "+in.Via+"; identity checked by staff")
	})
	if err != nil {
		return RightsView{}, err
	}
	return a.RightsRequest(ctx, actor, r.ID)
}

func (a *App) rightsStep(ctx context.Context, tx store.Tx, id string, actor Actor, action, note string) error {
	return tx.AddRightsStep(ctx, rights.Step{RequestID: id, At: a.now(), Actor: actor.String(), Action: action, Note: note})
}

// RightsRequests lists requests by due date, earliest first; state filters.
func (a *App) RightsRequests(ctx context.Context, actor Actor, state string) ([]RightsView, error) {
	return registerList(ctx, actor, staff.ReadRights, func(ctx context.Context) ([]rights.Request, error) {
		f := store.RightsFilter{}
		if state != "" {
			st, err := rights.ParseState(state)
			if err != nil {
				return nil, rightsErr(err)
			}
			f.State = st
		}
		return a.store.RightsRequests(ctx, f)
	}, func(r rights.Request) RightsView { return a.rightsView(r, nil) })
}

// RightsRequest reads one request with its steps.
func (a *App) RightsRequest(ctx context.Context, actor Actor, id string) (RightsView, error) {
	return registerEntry(ctx, actor, staff.ReadRights, id, a.store.RightsRequest, a.store.RightsSteps,
		func(r rights.Request, steps []rights.Step) (RightsView, error) { return a.rightsView(r, steps), nil })
}

// RightsCounts counts the unanswered requests for /metrics.
func (a *App) RightsCounts(ctx context.Context) (rights.Counts, error) {
	return a.store.RightsCounts(ctx, a.now())
}

// ExtensionInput extends a request's deadline (T-03).
type ExtensionInput struct {
	Months  int
	Reason  string
	ToldAt  *time.Time // when the person was told, with the reason
	ToldHow string     // how: whatsapp, letter, email, phone
}

// ExtendRequest extends an open request's deadline once, by one or two
// months, with the reason told to the person within the first month.
func (a *App) ExtendRequest(ctx context.Context, actor Actor, id string, in ExtensionInput) (RightsView, error) {
	if err := actor.can(staff.WriteRights); err != nil {
		return RightsView{}, err
	}
	x := rights.Extension{Months: in.Months, Reason: in.Reason, ToldHow: in.ToldHow}
	if in.ToldAt != nil {
		x.ToldAt = in.ToldAt.UTC().Truncate(time.Microsecond)
	}
	err := a.updateRequest(ctx, id, func(tx store.Tx, r rights.Request) (rights.Request, error) {
		r, err := rights.Extend(r, x, a.now())
		if err != nil {
			return r, rightsErr(err)
		}
		return r, a.rightsStep(ctx, tx, id, actor, "extended",
			fmt.Sprintf("by %d month(s) to %s; told by %s: %s", in.Months, r.DueAt.In(rights.Oslo).Format("2006-01-02"), r.ToldHow, r.ExtensionReason))
	})
	if err != nil {
		return RightsView{}, err
	}
	return a.RightsRequest(ctx, actor, id)
}

// updateRequest reads a request, lets fn change it in the transaction, and
// stores it.
func (a *App) updateRequest(ctx context.Context, id string, fn func(tx store.Tx, r rights.Request) (rights.Request, error)) error {
	return a.store.Tx(ctx, func(tx store.Tx) error {
		if _, err := tx.LockRightsCode(ctx, id); err != nil { // holds the request
			return err
		}
		r, err := tx.RightsRequest(ctx, id)
		if err != nil {
			return err
		}
		if r, err = fn(tx, r); err != nil {
			return err
		}
		return tx.UpdateRightsRequest(ctx, r)
	})
}

// RefuseRequest closes a request as refused, with why; the answer names the
// person's right to complain to Datatilsynet (Art. 12(4)).
func (a *App) RefuseRequest(ctx context.Context, actor Actor, id, reason string) (RightsView, error) {
	if err := actor.can(staff.WriteRights); err != nil {
		return RightsView{}, err
	}
	err := a.updateRequest(ctx, id, func(tx store.Tx, r rights.Request) (rights.Request, error) {
		r, err := rights.Close(r, rights.Refused, reason, a.now())
		if err != nil {
			return r, rightsErr(err)
		}
		return r, a.rightsStep(ctx, tx, id, actor, "refused", r.Answer)
	})
	if err != nil {
		return RightsView{}, err
	}
	return a.RightsRequest(ctx, actor, id)
}

// CompleteRequest answers an open request and does what it asks, in one
// transaction: an objection withdraws every marketing purpose at once and
// suppresses the number; an access or portability request makes the
// package available (GET /api/v1/requests/{id}/export, and the person's
// link); a rectification is answered once staff corrected the data. answer
// says what was done, in words the person reads.
func (a *App) CompleteRequest(ctx context.Context, actor Actor, id, answer string) (RightsView, error) {
	if err := actor.can(staff.WriteRights); err != nil {
		return RightsView{}, err
	}
	erased := false
	err := a.updateRequest(ctx, id, func(tx store.Tx, r rights.Request) (rights.Request, error) {
		if r.State != rights.Open {
			_, err := rights.Close(r, rights.Done, answer, a.now())
			return r, rightsErr(err)
		}
		note, err := a.carryOut(ctx, tx, actor, r)
		if err != nil {
			return r, err
		}
		if answer == "" {
			answer = note
		}
		if r, err = rights.Close(r, rights.Done, answer, a.now()); err != nil {
			return r, rightsErr(err)
		}
		erased = r.Type == rights.Erasure
		return r, a.rightsStep(ctx, tx, id, actor, "done", note)
	})
	if err != nil {
		return RightsView{}, err
	}
	if erased {
		a.scrub(ctx) // invariant 5
	}
	return a.RightsRequest(ctx, actor, id)
}

// carryOut does what an open request asks, in tx, and says what was done.
func (a *App) carryOut(ctx context.Context, tx store.Tx, actor Actor, r rights.Request) (string, error) {
	if r.ContactID == "" {
		return "No personal data is held about the number, besides a keyed token on the suppression list where the person objected.", nil
	}
	c, err := tx.LockContact(ctx, r.ContactID)
	if err != nil {
		return "", err
	}
	if c.Erased() {
		return "The person's data was erased; nothing is held but pseudonymous proof of consent.", nil
	}
	switch r.Type {
	case rights.Objection:
		e := objection("", "rights_request", "rights", actor)
		states, err := touched(ctx, tx, c.ID, e)
		if err != nil {
			return "", err
		}
		if _, _, err := a.object(ctx, tx, c, e, states); err != nil {
			return "", err
		}
		a.note(tx, func(o Observer) { o.OptOut(TriggerAPI) })
		return "Every marketing purpose was withdrawn and the number put on the suppression list (Art. 21(3)).", nil
	case rights.Restriction:
		if _, err := a.restrict(ctx, tx, c.ID, true, "rights request "+r.ID, actor); err != nil {
			return "", err
		}
		if err := a.recordAccess(ctx, tx, actor, access.Restrict, c.ID, "rights request "+r.ID); err != nil {
			return "", err
		}
		return "Processing is restricted: the data is kept and used for nothing else until the restriction is lifted (Art. 18).", nil
	case rights.Access, rights.Portability:
		return "The copy of the data was made available.", nil
	case rights.Rectification:
		return "The data was corrected as asked.", nil
	case rights.Erasure:
		why := "rights request " + r.ID
		e, err := a.eraseLocked(ctx, tx, c, erasure{actor: actor, method: "request", source: "rights", reason: why})
		if err != nil {
			return "", err
		}
		if err := a.recordRetention(ctx, tx, retention.ClassContacts, retention.RuleRequest, 0, 1); err != nil {
			return "", err
		}
		if err := a.recordAccess(ctx, tx, actor, access.Erase, c.ID, why); err != nil {
			return "", err
		}
		note := "The person's data was erased (crypto-shredded); only pseudonymous proof of consent is kept"
		if e.SuppressionKept {
			note += ", and a keyed token of the number on the suppression list, so that it is never messaged again (RT-05)"
		}
		return note + ".", nil
	}
	return "Done as asked.", nil
}

// RequestPackage is the package of the contact a rights request names, for
// the DPO or an admin answering it: the access is
// recorded with the request as its reason. A request with no contact, or
// whose contact was erased, has no package.
func (a *App) RequestPackage(ctx context.Context, actor Actor, id string) (portability.Package, error) {
	if err := actor.can(staff.ReadRights); err != nil {
		return portability.Package{}, err
	}
	if err := mayHavePackage(actor); err != nil { // before the request is read: a refused role learns nothing of it
		return portability.Package{}, err
	}
	r, err := a.store.RightsRequest(ctx, id)
	if err != nil {
		return portability.Package{}, err
	}
	if r.ContactID == "" {
		return portability.Package{}, refused("no contact holds the number this request names: nothing is held to export")
	}
	return a.subjectPackage(ctx, actor, r.ContactID, "rights request "+r.ID)
}

// PersonPackage is the package a person opens from their own request's
// link: only once the request is answered, only for access and
// portability, and only the contact the request names (T-04).
func (a *App) PersonPackage(ctx context.Context, token string) (portability.Package, error) {
	id, err := a.verify("r", token, a.now())
	if err != nil {
		return portability.Package{}, err
	}
	r, err := a.store.RightsRequest(ctx, id)
	if err != nil {
		return portability.Package{}, err
	}
	if r.State != rights.Done || !r.Type.Discloses() || r.ContactID == "" {
		return portability.Package{}, fmt.Errorf("%w: no copy of the data belongs to this request", store.ErrNotFound)
	}
	return a.subjectPackage(ctx, VerifiedSubject(r.ID), r.ContactID, "the person's own request "+r.ID)
}
