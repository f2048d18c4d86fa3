// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"net/http"
	"slices"

	"github.com/samtykke/samtykke/internal/app"
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
// purpose and the timeline of consent events with their evidence.
type contactPage struct {
	base
	Contact app.ContactView
	History *app.History // nil: the role reads no consents
}

func (*contactPage) view() string { return "contact" }

// contact serves GET /admin/contacts/{id} (GET /api/v1/contacts/{id} and
// its consents: both reads are recorded).
func (p *Pages) contact(w http.ResponseWriter, r *request) error {
	if !r.can(staff.ReadContacts) {
		return forbid(staff.ReadContacts)
	}
	c, err := p.app.Contact(r.Context(), r.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	pg := &contactPage{base: p.base(r, "/admin/contacts"), Contact: c}
	if r.can(staff.ReadConsents) {
		h, err := p.app.ConsentHistory(r.Context(), r.Actor, c.ID)
		if err != nil {
			return err
		}
		slices.Reverse(h.Events) // newest first: the timeline's order
		pg.History = &h
	}
	p.render(w, r, http.StatusOK, pg)
	return nil
}
