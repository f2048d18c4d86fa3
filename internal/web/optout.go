// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"errors"
	"net/http"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/phone"
)

// The web opt-out (M-06): every campaign message links to /privacy, which
// carries this form, as does its own page /optout. A person types their
// number; if it has a consent, samtykke sends it a WhatsApp message with a
// fresh preference link, from which one click withdraws. The page answers
// the same whatever the number, so it tells nobody whether a number is on
// the list.

// optOutForm serves GET /optout.
func (s *Server) optOutForm(w http.ResponseWriter, r *http.Request) error {
	lang, _ := requestLang(r)
	s.render(w, r, http.StatusOK, s.optOutPage(r, lang))
	return nil
}

func (s *Server) optOutPage(r *http.Request, lang string) *optOutPage {
	p := &optOutPage{basePage: s.base(r, lang, s.business())}
	p.CSRF = s.csrfField("/optout")
	return p
}

// optOutSubmit serves POST /optout. A malformed number shows the form again
// with what is wrong (never the number typed); too many requests from one
// address is the rate-limit page; anything else gets the same answer.
func (s *Server) optOutSubmit(w http.ResponseWriter, r *http.Request) error {
	lang, _ := requestLang(r)
	err := s.app.RequestOptOut(r.Context(), app.OptOutRequest{Phone: r.PostForm.Get("phone"), IP: s.clientIP(r)})
	p := s.optOutPage(r, lang)
	var pe *phone.Error
	switch {
	case errors.As(err, &pe):
		p.Error, p.ErrorIsPhone = pe.Reason.Message(lang), true
		status, _ := classify(err) // 400: the app wraps it in ErrInvalid
		s.render(w, r, status, p)
		return nil
	case err != nil:
		return err
	}
	p.Sent = true
	s.render(w, r, http.StatusOK, p)
	return nil
}
