// SPDX-License-Identifier: AGPL-3.0-only

package app

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/samtykke/samtykke/internal/access"
	"github.com/samtykke/samtykke/internal/contact"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/portability"
	"github.com/samtykke/samtykke/internal/retention"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store"
)

// roleSubject is the role of a person who proved that a number is theirs
// (T-04). No token can hold it (staff.ParseRole refuses it).
const roleSubject staff.Role = "verified_data_subject"

// VerifiedSubject is the actor for the person a rights request names, once
// they proved the number is theirs by a code sent to that number (T-04).
// SubjectPackage gives this actor a package; the caller must pass the
// contact the request names, and no other.
func VerifiedSubject(requestID string) Actor {
	return Actor{Name: "data-subject:request:" + requestID, Role: roleSubject}
}

// SubjectPackage gathers everything held about a contact, opened with the
// contact's key and the number in clear. It is for the
// person themselves (VerifiedSubject) or for the DPO, with a
// reason; the access is recorded before the data is read, so the package
// lists the access that made it. An erased contact has no package: its
// personal data no longer exists.
func (a *App) SubjectPackage(ctx context.Context, actor Actor, contactID, reason string) (portability.Package, error) {
	if err := mayHavePackage(actor); err != nil {
		return portability.Package{}, err
	}
	if err := access.CheckReason(reason, phone.Mentions); err != nil {
		return portability.Package{}, invalid("%v", err)
	}
	return a.subjectPackage(ctx, actor, contactID, reason)
}

// subjectPackage is SubjectPackage for a reason samtykke wrote itself (a
// rights request named by its id): not checked for numbers, since a UUID's
// digits can look like one (phone.Mentions errs on that side).
func (a *App) subjectPackage(ctx context.Context, actor Actor, contactID, reason string) (portability.Package, error) {
	if err := mayHavePackage(actor); err != nil {
		return portability.Package{}, err
	}
	var p portability.Package
	err := a.store.Tx(ctx, func(tx store.Tx) error {
		c, err := tx.Contact(ctx, contactID)
		if err != nil {
			return err
		}
		if c.Erased() {
			return refused("contact %s was erased on %s: its personal data no longer exists, so there is no package to give "+
				"(only its pseudonymous consent chain is kept)", contactID, c.ErasedAt.UTC().Format("2006-01-02"))
		}
		o, err := a.open(c)
		if err != nil {
			return err
		}
		if err := a.recordAccess(ctx, tx, actor, access.Package, contactID, reason); err != nil {
			return err
		}
		in, err := a.gatherPackage(ctx, tx, o)
		if err != nil {
			return err
		}
		p, err = portability.New(in) // a package that cannot be made leaves no access recorded
		return err
	})
	return p, err
}

// mayHavePackage refuses anyone but a role that may reveal numbers (the
// DPO) or the person themselves: the package shows the number in clear (S-02).
func mayHavePackage(actor Actor) error {
	if actor.Role != roleSubject && !actor.Role.Can(staff.RevealNumbers) {
		return fmt.Errorf("%w: only the DPO or the person themselves may have the package, "+
			"which shows the number in clear", ErrForbidden)
	}
	return nil
}

// gatherPackage reads what the package holds of an opened contact.
func (a *App) gatherPackage(ctx context.Context, tx store.Tx, o opened) (portability.Input, error) {
	id := o.ID
	in := portability.Input{
		GeneratedAt: a.now(),
		Controller:  a.packageController(),
		Contact: portability.Contact{ID: id, Phone: o.number.E164(), Language: o.Language, Fields: map[string]string{},
			CreatedAt: o.CreatedAt, Restricted: o.Restricted, UndeliverableFailures: o.Undeliverable},
		Periods: portability.Periods{Proof: retention.Days(a.cfg.Retention.Proof), Messages: retention.Days(a.cfg.Retention.Messages),
			UnconfirmedOptIn: a.cfg.OptInTTL, AccessLog: retention.Days(a.cfg.Retention.AccessLog),
			Requests: retention.Days(a.cfg.Retention.RightsRequests), Replies: retention.Days(a.cfg.Retention.Replies)},
		Recipients:  a.recipients(),
		RightsWords: a.cfg.RightsWords,
	}
	if o.FieldsCT != nil {
		b, err := o.key.Open(o.FieldsCT, contact.AAD(id, "fields"))
		if err != nil {
			return in, err
		}
		var f fields
		if err := json.Unmarshal(b, &f); err != nil {
			return in, err
		}
		if f.FirstName != "" {
			in.Contact.Fields["first_name"] = f.FirstName
		}
	}
	var err error
	if in.Contact.Tags, err = tx.ContactTags(ctx, id); err != nil {
		return in, err
	}
	if in.Contact.SuppressedSince, err = tx.SuppressedAt(ctx, a.vault.SuppressionToken(o.number.E164())); err != nil {
		return in, err
	}
	if in.Purposes, err = tx.Purposes(ctx); err != nil {
		return in, err
	}
	if in.Restrictions, err = tx.Restrictions(ctx, id); err != nil {
		return in, err
	}
	if in.States, err = tx.ConsentStates(ctx, id); err != nil {
		return in, err
	}
	events, err := tx.Events(ctx, id)
	if err != nil {
		return in, err
	}
	for _, e := range events {
		ev, err := a.openEvidence(o, e)
		if err != nil {
			return in, fmt.Errorf("evidence of event %s: %w", e.ID, err)
		}
		in.Events = append(in.Events, portability.Event{Event: e.Event, Evidence: ev})
	}
	for _, nid := range portability.NoticeIDs(in.Events) {
		n, err := tx.Notice(ctx, nid)
		if err != nil {
			return in, fmt.Errorf("notice %s: %w", nid, err)
		}
		in.Notices = append(in.Notices, n)
	}
	if in.Messages, err = tx.ContactMessages(ctx, id); err != nil {
		return in, err
	}
	for _, kid := range portability.CampaignIDs(in.Messages) {
		k, err := tx.Campaign(ctx, kid)
		if err != nil {
			return in, fmt.Errorf("campaign %s: %w", kid, err)
		}
		in.Campaigns = append(in.Campaigns, k)
	}
	if in.Replies, err = a.contactReplies(ctx, tx, o); err != nil {
		return in, err
	}
	if in.Answers, err = a.packageAnswers(ctx, tx, o); err != nil {
		return in, err
	}
	if in.Requests, err = tx.RightsRequests(ctx, store.RightsFilter{ContactID: id}); err != nil {
		return in, err
	}
	in.Accesses, err = tx.Accesses(ctx, id)
	return in, err
}

// packageController is the controller as the package names it.
func (a *App) packageController() portability.Controller {
	c := a.controller()
	out := portability.Controller{Name: a.controller().Name, OrgNumber: c.OrgNumber, Address: c.Address, Email: c.Email,
		Phone: c.Phone, URL: c.URL, PublicURL: a.cfg.PublicURL}
	if d := c.DPO; d.Name != "" || !d.Empty() {
		out.DPO = &portability.DPO{Name: d.Name, Email: d.Email, Phone: d.Phone}
	}
	return out
}

// recipients are those the data goes to in this deployment (R-01(c)).
func (a *App) recipients() []portability.Recipient {
	rs := []portability.Recipient{portability.Meta, portability.HostingBy(a.controller().Hosting, a.controller().HostingCountry)}
	if a.cfg.SMS != nil {
		rs = append(rs, portability.SMSProvider)
	}
	if a.cfg.Email != nil {
		rs = append(rs, portability.EmailProvider)
	}
	return rs
}
