// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/phone"
	"github.com/samtykke/samtykke/internal/store"
)

// optInForm serves GET /optin: the form, every box unticked.
func (s *Server) optInForm(w http.ResponseWriter, r *http.Request) error {
	lang, _ := requestLang(r)
	p, err := s.optInPage(r, lang)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, p)
	return nil
}

// optInPage builds the form page; nothing is ticked.
func (s *Server) optInPage(r *http.Request, lang string) (*optInPage, error) {
	f, err := s.app.OptInForm(r.Context(), lang)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotSetUp
	}
	if err != nil {
		return nil, err
	}
	p := &optInPage{basePage: s.base(r, f.Language, f.BusinessName),
		Notice: f.Notice, MinAge: f.MinAge, LinkToken: formValue(r, "t")}
	p.CSRF = s.csrfField("/optin")
	for _, fp := range f.Purposes {
		p.Purposes = append(p.Purposes, purposeBox{FormPurpose: fp})
	}
	return p, nil
}

// optInSubmit serves POST /optin: it records the request and shows how to
// confirm it. The answer is the same whether or not the number is known.
func (s *Server) optInSubmit(w http.ResponseWriter, r *http.Request) error {
	lang, _ := requestLang(r)
	in := app.OptInRequest{
		Phone: r.PostForm.Get("phone"), Language: lang, Purposes: r.PostForm["purpose"],
		AgeConfirmed: r.PostForm.Get("age_confirmed") != "", IP: s.clientIP(r), UserAgent: r.UserAgent(),
		LinkToken: r.PostForm.Get("t"),
	}
	version, err := strconv.Atoi(r.PostForm.Get("notice_version"))
	if err != nil || version < 1 {
		return s.optInFailed(w, r, lang, in, fmt.Errorf("%w: notice_version missing or malformed", app.ErrInvalid))
	}
	in.NoticeVersion = version
	started, err := s.app.RequestOptIn(r.Context(), in)
	if err != nil {
		return s.optInFailed(w, r, lang, in, err)
	}
	if started.Confirmed {
		s.render(w, r, http.StatusOK, &donePage{basePage: s.base(r, lang, s.business())})
		return nil
	}
	png, err := qrcode.Encode(started.ChatLink, qrcode.Medium, 256)
	if err != nil {
		return fmt.Errorf("qr code: %w", err)
	}
	p := &startedPage{basePage: s.base(r, lang, s.business()),
		Code: started.Code, ChatLink: started.ChatLink, Ref: started.Ref, Expires: s.formatTime(lang, started.ExpiresAt),
		QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))}
	p.CSRF = s.csrfField("/optin/confirm-another-way")
	s.render(w, r, http.StatusOK, p)
	return nil
}

// optInFailed shows the form again with what went wrong, keeping the boxes
// the person ticked (and only those), and never the number typed. A link or
// server error goes to the error page instead.
func (s *Server) optInFailed(w http.ResponseWriter, r *http.Request, lang string, in app.OptInRequest, err error) error {
	status, key := classify(err)
	if status >= 500 || key == "error.link_expired" || key == "error.link_invalid" {
		return err
	}
	p, ferr := s.optInPage(r, lang)
	if ferr != nil {
		return ferr
	}
	var pe *phone.Error
	switch {
	case errors.As(err, &pe):
		p.Error, p.ErrorIsPhone = pe.Reason.Message(p.Lang), true
	case errors.Is(err, app.ErrRefused) && !in.AgeConfirmed:
		key = "error.age"
	case errors.Is(err, app.ErrRefused) && in.NoticeVersion != p.Notice.Version:
		key = "error.notice_changed"
	case errors.Is(err, app.ErrInvalid) && len(in.Purposes) == 0:
		key = "error.purposes"
	}
	if p.Error == "" {
		p.Error = p.T(key, "min_age", strconv.Itoa(p.MinAge))
	}
	for i := range p.Purposes {
		p.Purposes[i].Checked = slices.Contains(in.Purposes, p.Purposes[i].Key)
	}
	p.AgeChecked = in.AgeConfirmed
	s.render(w, r, status, p)
	return nil
}

// confirmAnotherWay serves POST /optin/confirm-another-way: the confirmation
// by a WhatsApp template, an SMS link or an e-mail link.
func (s *Server) confirmAnotherWay(w http.ResponseWriter, r *http.Request) error {
	lang, _ := requestLang(r)
	channel := r.PostForm.Get("channel")
	keys := map[string]string{app.ConfirmByTemplate: "page.sent.whatsapp", app.ConfirmBySMS: "page.sent.sms",
		app.ConfirmByEmail: "page.sent.email"}
	msg, ok := keys[channel]
	if !ok {
		return fmt.Errorf("%w: unknown channel", app.ErrInvalid)
	}
	err := s.app.SendConfirmation(r.Context(), r.PostForm.Get("ref"), channel, r.PostForm.Get("email"))
	switch {
	case errors.Is(err, app.ErrRateLimited):
		return withKey("error.already_sent", err)
	case errors.Is(err, app.ErrLinkExpired) || errors.Is(err, app.ErrLinkInvalid):
		return err
	case errors.Is(err, app.ErrInvalid) && channel == app.ConfirmByEmail:
		return withKey("error.email", err)
	case errors.Is(err, app.ErrRefused):
		return withKey("error.channel_unavailable", err)
	case err != nil:
		return err
	}
	s.render(w, r, http.StatusOK, &sentPage{basePage: s.base(r, lang, s.business()), MessageKey: msg})
	return nil
}

// confirmLink serves GET /confirm/{token}, the link sent by SMS or e-mail: a
// page with one button. Opening the link changes nothing, so a mail scanner
// that follows links confirms nobody; the person's click does.
func (s *Server) confirmLink(w http.ResponseWriter, r *http.Request) error {
	lang, _ := requestLang(r)
	p := &confirmPage{basePage: s.base(r, lang, s.business()), Action: "/confirm/" + url.PathEscape(r.PathValue("token"))}
	p.CSRF = s.csrfField(r.URL.Path)
	s.render(w, r, http.StatusOK, p)
	return nil
}

// confirmSubmit serves POST /confirm/{token}: the click that confirms.
func (s *Server) confirmSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := s.app.ConfirmLink(r.Context(), r.PathValue("token")); err != nil {
		return err
	}
	lang, _ := requestLang(r)
	s.render(w, r, http.StatusOK, &donePage{basePage: s.base(r, lang, s.business())})
	return nil
}
