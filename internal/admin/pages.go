// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"errors"
	"net/http"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/staff"
)

// loginForm is GET /admin/login; a browser with a session goes on to where
// its session stands.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	if info, err := s.app.Session(r.Context(), s.cookie(r)); err == nil {
		s.redirect(w, r, stagePath(info.Stage))
		return nil
	}
	return s.renderLogin(w, r, http.StatusOK, "", "")
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, name, errKey string) error {
	p := &loginPage{basePage: s.base(r), Name: name, ErrorKey: errKey}
	p.CSRF = s.csrfField(r, "/admin/login")
	s.render(w, r, status, p)
	return nil
}

// stagePath is where a session of a stage goes next.
func stagePath(st staff.Stage) string {
	switch st {
	case staff.StageTOTP:
		return "/admin/login/code"
	case staff.StageEnrol:
		return "/admin/enrol"
	}
	return "/admin"
}

// refusalKey is the words of a refused login: the same for an unknown
// name, a wrong password and a disabled account; a lock says so.
func refusalKey(err error) string {
	if errors.Is(err, app.ErrRateLimited) {
		return "admin.login.locked"
	}
	return "admin.login.wrong"
}

// loginSubmit is POST /admin/login: name and password (and a code, when
// the form sends one), then on to where the new session stands.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	name := r.PostForm.Get("name")
	res, err := s.app.Login(r.Context(), app.LoginInput{Name: name, Password: r.PostForm.Get("password"),
		Code: r.PostForm.Get("code"), IP: s.clientIP(r)})
	if err != nil {
		if st := httpx.Classify(err).Status; st == http.StatusUnauthorized || st == http.StatusTooManyRequests {
			if len(name) > 100 {
				name = ""
			}
			return s.renderLogin(w, r, st, name, refusalKey(err))
		}
		return err
	}
	s.setCookie(w, r, res)
	s.redirect(w, r, stagePath(res.Stage))
	return nil
}

// codeForm is GET /admin/login/code, for a session that waits for its code.
func (s *Server) codeForm(w http.ResponseWriter, r *http.Request) error {
	info, err := s.app.Session(r.Context(), s.cookie(r))
	if err != nil || info.Stage != staff.StageTOTP {
		s.redirect(w, r, "/admin/login")
		return nil
	}
	return s.renderCode(w, r, http.StatusOK, "")
}

func (s *Server) renderCode(w http.ResponseWriter, r *http.Request, status int, errKey string) error {
	p := &codePage{basePage: s.base(r), ErrorKey: errKey}
	p.CSRF = s.csrfField(r, "/admin/login/code")
	s.render(w, r, status, p)
	return nil
}

// codeSubmit is POST /admin/login/code: the right code replaces the
// session by a full one; a wrong one asks again; the lockout, or a session
// that ended, leads back to the login.
func (s *Server) codeSubmit(w http.ResponseWriter, r *http.Request) error {
	res, err := s.app.SecondFactor(r.Context(), s.cookie(r), r.PostForm.Get("code"), s.clientIP(r))
	if err != nil {
		return s.refusedCode(w, r, err, func(status int) error { return s.renderCode(w, r, status, "admin.code.wrong") })
	}
	s.setCookie(w, r, res)
	s.redirect(w, r, "/admin")
	return nil
}

// refusedCode answers a refused code: again, while the session waits;
// else the login, saying why.
func (s *Server) refusedCode(w http.ResponseWriter, r *http.Request, err error, again func(status int) error) error {
	st := httpx.Classify(err).Status
	if st != http.StatusUnauthorized && st != http.StatusTooManyRequests {
		return err
	}
	if _, serr := s.app.Session(r.Context(), s.cookie(r)); serr == nil && st == http.StatusUnauthorized {
		return again(st)
	}
	s.clearCookie(w, r)
	r.Header.Del("Cookie") // the form below is for no session
	key := "admin.error.session"
	if st == http.StatusTooManyRequests {
		key = "admin.login.locked"
	}
	return s.renderLogin(w, r, st, "", key)
}

// enrolForm is GET /admin/enrol: the second factor to set up, for a session
// that must set one up before it may act, or a full session without one.
func (s *Server) enrolForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderEnrol(w, r, http.StatusOK, "")
}

func (s *Server) renderEnrol(w http.ResponseWriter, r *http.Request, status int, errKey string) error {
	info, err := s.app.Session(r.Context(), s.cookie(r))
	if err != nil || info.Stage == staff.StageTOTP {
		s.redirect(w, r, "/admin/login")
		return nil
	}
	e, err := s.app.EnrolTOTP(r.Context(), s.cookie(r))
	if errors.Is(err, app.ErrRefused) { // set up already
		s.redirect(w, r, "/admin")
		return nil
	} else if err != nil {
		return err
	}
	p := &enrolPage{basePage: s.base(r), URI: e.URI, Secret: e.Secret, Required: info.Stage == staff.StageEnrol, ErrorKey: errKey}
	p.CSRF = s.csrfField(r, "/admin/enrol")
	s.render(w, r, status, p)
	return nil
}

// enrolSubmit is POST /admin/enrol: the first code completes the
// enrolment and the session becomes a full one.
func (s *Server) enrolSubmit(w http.ResponseWriter, r *http.Request) error {
	res, err := s.app.ConfirmTOTP(r.Context(), s.cookie(r), r.PostForm.Get("code"), s.clientIP(r))
	if err != nil {
		return s.refusedCode(w, r, err, func(status int) error { return s.renderEnrol(w, r, status, "admin.code.wrong") })
	}
	s.setCookie(w, r, res)
	s.redirect(w, r, "/admin")
	return nil
}

// logout is POST /admin/logout: the session ends and the browser forgets it.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.app.Logout(r.Context(), s.cookie(r), s.clientIP(r)); err != nil {
		return err
	}
	s.clearCookie(w, r)
	s.redirect(w, r, "/admin/login")
	return nil
}

// home is GET /admin: who is logged in, with which role.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	actor, _ := ActorFrom(r.Context())
	info, err := s.app.Session(r.Context(), s.cookie(r))
	if err != nil {
		return err
	}
	p := &homePage{basePage: s.base(r), Name: actor.Name, Role: string(actor.Role), TOTP: info.User.TOTP}
	p.LogoutCSRF = s.csrfField(r, "/admin/logout")
	s.render(w, r, http.StatusOK, p)
	return nil
}
