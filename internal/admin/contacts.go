// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"net/http"
	"slices"
	"strings"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/tag"
)

// contactsPage is the contact list: numbers masked, newest first, a search
// by number (recorded in the access log as a lookup) or a filter by tag.
type contactsPage struct {
	base
	Query     string // the number searched for: never shown back
	Tag       string
	Tags      []tag.Tag
	Contacts  []app.ContactView
	Searched  bool
	Next      string
	CanLookup bool
	Error     string // a refused search
}

func (*contactsPage) view() string { return "contacts" }

// contacts serves GET /admin/contacts, the list or a tag's contacts, and
// POST /admin/contacts, a search by number (GET /api/v1/contacts's use
// case). The number is posted, never put in a URL (a browser's history, a
// proxy's log), and the page does not show it back.
func (p *Pages) contacts(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ReadContacts) {
		return forbid(staff.ReadContacts)
	}
	q := r.URL.Query()
	pg := &contactsPage{base: p.base(r, "/admin/contacts"), Tag: q.Get("tag"), CanLookup: r.can(staff.LookupContacts)}
	if r.Method == http.MethodPost {
		pg.Query, pg.Tag = r.PostFormValue("query"), ""
		if pg.Query == "" {
			return seeOther(w, r, "/admin/contacts", "")
		}
	}
	pg.Searched = pg.Query != "" || pg.Tag != ""
	tags, err := p.app.Tags(r.Context(), r.Actor)
	if err == nil {
		pg.Tags = tags
	}
	res, err := p.app.SearchContacts(r.Context(), r.Actor, app.ContactSearch{Query: pg.Query, Tag: pg.Tag, Before: q.Get("before")})
	if err != nil {
		if msg, ok := formError(err); ok {
			pg.Error = msg
			p.render(w, r, http.StatusBadRequest, pg)
			return nil
		}
		return err
	}
	pg.Contacts, pg.Next = res.Contacts, res.Next
	p.render(w, r, http.StatusOK, pg)
	return nil
}

// contactPage is one contact: masked number, tags, the consent state per
// purpose and the timeline of consent events with their evidence, the
// restriction's history, and the forms that act on the contact for a role
// that may (issue 23 point 1).
type contactPage struct {
	base
	Contact      app.ContactView
	History      *app.History          // nil: the role reads no consents
	Restrictions []app.RestrictionView // oldest first
	Tags         []tag.Tag             // the declared tags, for the tags form
	Purposes     []consent.Purpose     // for the withdrawal form
	Methods      []string              // how a person may have withdrawn, off WhatsApp
	// Revealed is the number in clear, on the one response to a reveal
	// with a reason; never stored in the page's state nor a URL.
	Revealed string
	Error    string // a refused form's reason
}

func (*contactPage) view() string { return "contact" }

// HasTag reports whether the contact has tag key.
func (pg *contactPage) HasTag(key string) bool { return slices.Contains(pg.Contact.Tags, key) }

// withdrawMethods are the ways staff record a withdrawal given to them
// (app.WithdrawMethods); the default first.
var withdrawMethods = []string{"phone_call", "in_store", "email", "letter", "paper", "sms", "staff"}

// contact serves GET /admin/contacts/{id} (GET /api/v1/contacts/{id} and
// its consents: both reads are recorded).
func (p *Pages) contact(w http.ResponseWriter, r *request) error {
	return p.showContact(w, r, http.StatusOK, &contactPage{})
}

// showContact renders the contact page with what pg already holds (a
// revealed number, a refused form's reason).
func (p *Pages) showContact(w http.ResponseWriter, r *request, status int, pg *contactPage) error {
	if !r.can(staff.ReadContacts) {
		return forbid(staff.ReadContacts)
	}
	ctx := r.Context()
	c, err := p.app.Contact(ctx, r.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	pg.base, pg.Contact, pg.Methods = p.base(r, "/admin/contacts"), c, withdrawMethods
	if r.can(staff.ReadConsents) {
		h, err := p.app.ConsentHistory(ctx, r.Actor, c.ID)
		if err != nil {
			return err
		}
		slices.Reverse(h.Events) // newest first: the timeline's order
		pg.History = &h
	}
	if pg.Restrictions, err = p.app.Restrictions(ctx, r.Actor, c.ID); err != nil {
		return err
	}
	if r.can(staff.ReadPurposes) {
		if pg.Tags, err = p.app.Tags(ctx, r.Actor); err != nil {
			return err
		}
		if pg.Purposes, err = p.app.Purposes(ctx, r.Actor); err != nil {
			return err
		}
	}
	p.render(w, r, status, pg)
	return nil
}

// contactAction serves POST /admin/contacts/{id}/{action}, each through
// the API's use case: tags (PUT /api/v1/contacts/{id}/tags), reveal (POST
// .../reveal: the number shown once, on this response), restrict and
// unrestrict (POST .../restriction, R-06) and withdraw (POST
// /api/v1/consents/withdraw, a withdrawal the person gave off WhatsApp,
// C-05). A role that may not is refused 403 and nothing changes.
func (p *Pages) contactAction(w http.ResponseWriter, r *request) error {
	id, action := r.PathValue("id"), r.PathValue("action")
	perm := map[string]staff.Permission{"tags": staff.WriteContacts, "reveal": staff.RevealNumbers,
		"restrict": staff.RestrictContacts, "unrestrict": staff.RestrictContacts, "withdraw": staff.WriteConsents}[action]
	if perm == "" {
		return httpx.Errorf(http.StatusNotFound, "not_found", "no such action")
	}
	if !r.can(perm) {
		return forbid(perm)
	}
	ctx, reason := r.Context(), strings.TrimSpace(r.PostFormValue("reason"))
	var err error
	flash := "contact_" + action
	switch action {
	case "tags":
		_, err = p.app.SetContactTags(ctx, r.Actor, id, r.PostForm["tag"])
	case "reveal":
		var number string
		if number, err = p.app.Reveal(ctx, r.Actor, id, reason); err == nil {
			return p.showContact(w, r, http.StatusOK, &contactPage{Revealed: number})
		}
	case "restrict", "unrestrict":
		_, err = p.app.Restrict(ctx, r.Actor, id, action == "restrict", reason)
	case "withdraw":
		var out app.Withdrawn
		out, err = p.app.Withdraw(ctx, r.Actor, app.WithdrawInput{Subject: app.Subject{ContactID: id},
			Purpose: r.PostFormValue("purpose"), Method: r.PostFormValue("method")})
		if err == nil && out.EventID == "" {
			flash = "contact_nothing_to_withdraw"
		}
	}
	if err != nil {
		if msg, ok := formError(err); ok {
			return p.showContact(w, r, httpx.Classify(err).Status, &contactPage{Error: msg})
		}
		return err
	}
	return seeOther(w, r, "/admin/contacts/"+id, flash)
}
