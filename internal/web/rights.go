// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/rights"
)

// The public rights page (Arts. 12, 15-21, R-10): free, no login, no
// JavaScript. A person picks what they ask for and types their number; a
// one-time code goes to that number on WhatsApp and must come back before
// anything is disclosed (T-04). The page answers the same whatever the
// number. Once verified, the request's own signed link shows its deadline,
// its answer and, for access and portability, the copy of the data.

// rightsPage is every step of the flow: the form, the code form and the
// request's status.
type rightsPage struct {
	basePage
	Types        []rights.Type
	Type         string // the type chosen, kept when the form is shown again
	Error        string
	ErrorIsPhone bool
	Ref          string            // set: the code form
	Status       *app.PublicRights // set: the status page
	Received     string            // dates in Oslo, for the status page
	Due          string
	PackageURL   string
}

func (*rightsPage) view() string { return "rights" }

func (s *Server) rightsPage(r *http.Request, lang string) *rightsPage {
	return &rightsPage{basePage: s.base(r, lang, s.business()), Types: rights.Types}
}

// rightsForm serves GET /rights.
func (s *Server) rightsForm(w http.ResponseWriter, r *http.Request) error {
	lang, _ := requestLang(r)
	p := s.rightsPage(r, lang)
	p.CSRF = s.csrfField("/rights")
	s.render(w, r, http.StatusOK, p)
	return nil
}

// rightsSubmit serves POST /rights: a malformed number or type shows the
// form again with what is wrong; otherwise the code form, the same for
// every number.
func (s *Server) rightsSubmit(w http.ResponseWriter, r *http.Request) error {
	lang, _ := requestLang(r)
	typ := r.PostForm.Get("type")
	ref, err := s.app.StartRights(r.Context(), app.PublicRightsInput{Type: typ, Phone: r.PostForm.Get("phone"),
		Language: lang, IP: s.clientIP(r)})
	p := s.rightsPage(r, lang)
	p.Type = typ
	var pe *phone.Error
	switch {
	case errors.As(err, &pe):
		p.CSRF, p.Error, p.ErrorIsPhone = s.csrfField("/rights"), pe.Reason.Message(lang), true
		status, _ := classify(err)
		s.render(w, r, status, p)
		return nil
	case errors.Is(err, rights.ErrInvalid):
		p.CSRF, p.Error = s.csrfField("/rights"), p.T("page.rights.pick_type")
		status, _ := classify(err)
		s.render(w, r, status, p)
		return nil
	case err != nil:
		return err
	}
	p.Ref, p.CSRF = ref, s.csrfField("/rights/verify")
	s.render(w, r, http.StatusOK, p)
	return nil
}

// rightsVerify serves POST /rights/verify: the right code leads to the
// request's status page; a wrong one shows the code form again.
func (s *Server) rightsVerify(w http.ResponseWriter, r *http.Request) error {
	lang, _ := requestLang(r)
	ref := r.PostForm.Get("ref")
	got, err := s.app.VerifyRights(r.Context(), ref, r.PostForm.Get("code"))
	if errors.Is(err, app.ErrCodeWrong) {
		p := s.rightsPage(r, lang)
		p.Ref, p.CSRF, p.Error = ref, s.csrfField("/rights/verify"), p.T("page.rights.code_wrong")
		status, _ := classify(err)
		s.render(w, r, status, p)
		return nil
	}
	if errors.Is(err, app.ErrRefused) { // expired, or too many wrong codes: start again
		p := s.rightsPage(r, lang)
		p.CSRF, p.Error = s.csrfField("/rights"), p.T("page.rights.start_again")
		status, _ := classify(err)
		s.render(w, r, status, p)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/rights/"+url.PathEscape(got.Token)+"?lang="+lang, http.StatusSeeOther)
	return nil
}

// rightsStatus serves GET /rights/{token}: the request, its deadline and
// its answer.
func (s *Server) rightsStatus(w http.ResponseWriter, r *http.Request) error {
	lang, explicit := requestLang(r)
	st, err := s.app.RightsStatus(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	if !explicit {
		lang = st.Language
	}
	p := s.rightsPage(r, lang)
	p.Status = &st
	p.Received = st.ReceivedAt.In(s.zone).Format("02.01.2006")
	p.Due = st.DueAt.In(s.zone).Format("02.01.2006")
	if st.Package {
		p.PackageURL = "/rights/" + url.PathEscape(st.Token) + "/package"
	}
	s.render(w, r, http.StatusOK, p)
	return nil
}
