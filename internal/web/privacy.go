// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/samtykke/samtykke/internal/store"
)

// privacy serves GET /privacy: the current notice and every earlier version.
func (s *Server) privacy(w http.ResponseWriter, r *http.Request) error {
	return s.servePrivacy(w, r, 0)
}

// privacyVersion serves GET /privacy/{version}.
func (s *Server) privacyVersion(w http.ResponseWriter, r *http.Request) error {
	v, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || v < 1 {
		return fmt.Errorf("%w: no such privacy notice version", store.ErrNotFound)
	}
	return s.servePrivacy(w, r, v)
}

// servePrivacy renders one published version (0: the current one).
func (s *Server) servePrivacy(w http.ResponseWriter, r *http.Request, version int) error {
	lang, _ := requestLang(r)
	ns, err := s.app.PublishedNotices(r.Context(), lang) // newest first
	if errors.Is(err, store.ErrNotFound) || err == nil && len(ns) == 0 {
		return errNotSetUp
	}
	if err != nil {
		return err
	}
	p := &privacyPage{basePage: s.base(r, lang, s.business()), Current: ns[0].Version}
	p.CSRF = s.csrfField("/optout")
	if version == 0 {
		version = ns[0].Version
	}
	for _, n := range ns {
		published := ""
		if n.PublishedAt != nil {
			published = s.formatDate(lang, *n.PublishedAt)
		}
		if n.Version == version {
			p.Notice, p.Published = n, published
		}
		p.Versions = append(p.Versions, versionLink{Version: n.Version, Published: published, Shown: n.Version == version,
			URL: p.Link("/privacy/" + strconv.Itoa(n.Version))})
	}
	if p.Notice.Version == 0 {
		return fmt.Errorf("%w: no published notice version %d", store.ErrNotFound, version)
	}
	s.render(w, r, http.StatusOK, p)
	return nil
}
