// SPDX-License-Identifier: AGPL-3.0-only

package admin

import (
	"errors"
	"net/http"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/staff"
)

// Pages builds the staff pages on this server's sessions and CSRF check:
// a page runs for a full session only (the login, the code step and the
// enrolment are this server's), and every unsafe request is checked as the
// login's forms are (csrf.go).
func (s *Server) Pages(settings []Setting) (*Pages, error) {
	return NewPages(s.app, PagesConfig{
		Session:   s.pageSession,
		CheckCSRF: s.checkCSRF,
		Settings:  settings,
		Log:       s.log,
	})
}

// pageSession is the request's full session as the pages see it.
func (s *Server) pageSession(r *http.Request) (Session, bool, error) {
	info, err := s.app.Session(r.Context(), s.cookie(r))
	if errors.Is(err, app.ErrUnauthenticated) {
		return Session{}, false, nil
	} else if err != nil {
		return Session{}, false, err
	}
	if info.Stage != staff.StageFull {
		return Session{}, false, nil
	}
	actor := app.Actor{ID: info.User.ID, Name: info.User.Name, Role: info.User.Role, User: true,
		RequestID: httpx.RequestID(r.Context())}
	return Session{Actor: actor, CSRF: func(action string) string { return s.csrfField(r, action) }}, true, nil
}
