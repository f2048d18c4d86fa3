// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/consent"
	"github.com/samtykke/samtykke/internal/store"
)

// preferences serves GET /preferences/{token}: every consent of the person,
// each one click from withdrawn (C-05). A link past its time shows nothing
// of the person but still offers "withdraw all", and the way to a fresh
// link (M-06).
func (s *Server) preferences(w http.ResponseWriter, r *http.Request) error {
	v, err := s.preferencesView(r)
	if errors.Is(err, app.ErrLinkExpired) {
		s.render(w, r, http.StatusOK, s.expiredPage(r))
		return nil
	}
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, s.preferencesPage(r, v))
	return nil
}

// expiredPage is the preference centre of a link past its time.
func (s *Server) expiredPage(r *http.Request) *preferencesPage {
	lang, _ := requestLang(r)
	p := &preferencesPage{basePage: s.base(r, lang, s.business()), Action: r.URL.Path, Expired: true}
	p.CSRF = s.csrfField(r.URL.Path)
	return p
}

// withdraw serves POST /preferences/{token}: purpose is a key or "all". It
// works however old the link is (M-06).
func (s *Server) withdraw(w http.ResponseWriter, r *http.Request) error {
	purpose := r.PostForm.Get("purpose")
	if purpose == "" {
		return fmt.Errorf("%w: no purpose", app.ErrInvalid)
	}
	if _, err := s.app.WithdrawByLink(r.Context(), r.PathValue("token"), purpose); err != nil {
		return linkError(err)
	}
	v, err := s.preferencesView(r)
	if errors.Is(err, app.ErrLinkExpired) {
		p := s.expiredPage(r)
		p.Message = p.T("page.prefs.withdrawn_all")
		if purpose != "all" {
			p.Message = p.T("page.prefs.withdrawn")
		}
		s.render(w, r, http.StatusOK, p)
		return nil
	}
	if err != nil {
		return err
	}
	p := s.preferencesPage(r, v)
	p.Message = p.T("page.prefs.withdrawn_all")
	for _, it := range p.Items {
		if it.Purpose == purpose {
			p.Message = p.T("page.prefs.withdrawn_one", "purpose", it.Description)
		}
	}
	s.render(w, r, http.StatusOK, p)
	return nil
}

// preferencesView opens the link; an erased person's link is no longer valid.
func (s *Server) preferencesView(r *http.Request) (app.PreferencesView, error) {
	v, err := s.app.Preferences(r.Context(), r.PathValue("token"))
	return v, linkError(err)
}

// linkError turns "this link's person is gone" into an invalid link.
func linkError(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %v", app.ErrLinkInvalid, err)
	}
	return err
}

// statusKeys are the words for each consent status.
var statusKeys = map[consent.Status]string{
	consent.StatusNone:      "status.none",
	consent.StatusPending:   "status.pending",
	consent.StatusActive:    "status.active",
	consent.StatusWithdrawn: "status.withdrawn",
	consent.StatusExpired:   "status.expired",
	consent.StatusErased:    "status.erased",
}

// preferencesPage shows the view in the language asked for, or else the
// person's own.
func (s *Server) preferencesPage(r *http.Request, v app.PreferencesView) *preferencesPage {
	lang, explicit := requestLang(r)
	if !explicit && v.Language == "en" {
		lang = "en"
	}
	p := &preferencesPage{basePage: s.base(r, lang, s.business()),
		Action: r.URL.Path, Phone: v.Phone}
	p.CSRF = s.csrfField(r.URL.Path)
	for _, it := range v.Items {
		key, ok := statusKeys[it.Status]
		if !ok {
			key = "status.none"
		}
		p.Items = append(p.Items, preferenceItem{Purpose: it.Purpose, Description: it.Description,
			Status: p.T(key), Since: s.formatDate(lang, it.Since),
			CanWithdraw: it.Status == consent.StatusActive || it.Status == consent.StatusPending})
	}
	return p
}
