// SPDX-License-Identifier: AGPL-3.0-only

package web

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/i18n"
	"github.com/samtykke/samtykke/internal/store"
	"github.com/samtykke/samtykke/internal/store/storetest"
	"github.com/samtykke/samtykke/internal/vault"
)

// TestOneErrorTable walks every line of httpx's error table through both
// adapters, the API's JSON (httpx.WriteError) and the pages (serveError),
// and wants the same status from each, the table's code in the JSON, and
// the pages' words for that code on the page: one table decides every
// error's status and code for the API and the pages alike. A line
// added to the table without the pages' words fails here, and so does a
// page that answers another status for the same error. An expired link is
// 410 on both: it was 422 in the API.
func TestOneErrorTable(t *testing.T) {
	t.Parallel()
	s := errorServer(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	table := httpx.Table()
	if len(table) == 0 {
		t.Fatal("httpx's error table is empty")
	}
	codes := map[string]bool{}
	for _, m := range table {
		codes[m.Code] = true
		err := fmt.Errorf("doing something: %w", m.Example) // as the app wraps them
		for _, lang := range []string{"nb", "en"} {
			req := httptest.NewRequest(http.MethodGet, "/preferences/x?lang="+lang, nil)

			api := httptest.NewRecorder()
			httpx.WriteError(api, req, log, err)
			var body struct {
				Error struct{ Code, Message string }
			}
			if e := json.Unmarshal(api.Body.Bytes(), &body); e != nil {
				t.Fatalf("%v: the API's answer is not JSON: %s", m.Example, api.Body)
			}

			pg := httptest.NewRecorder()
			s.serveError(pg, req, err)

			if api.Code != m.Status || pg.Code != m.Status {
				t.Errorf("%v: API %d, page %d; the table says %d", m.Example, api.Code, pg.Code, m.Status)
			}
			if body.Error.Code != m.Code || body.Error.Message == "" {
				t.Errorf("%v: API error %+v, want code %q and a message", m.Example, body.Error, m.Code)
			}
			key, ok := pageKeys[m.Code]
			if !ok {
				t.Errorf("code %q of httpx's table has no words on the pages (pageKeys)", m.Code)
				continue
			}
			if want := i18n.T(lang, key); !strings.Contains(html.UnescapeString(pg.Body.String()), want) {
				t.Errorf("%v (%s): the page does not say %q", m.Example, lang, want)
			}
		}
	}
	// The pages' words name only codes that something answers with.
	for code := range pageKeys {
		if !codes[code] && !pageCodes[code] {
			t.Errorf("pageKeys has words for %q, which neither httpx's table nor the pages answer with", code)
		}
	}
}

// pageCodes are the codes of the pages' own *httpx.Error values.
var pageCodes = map[string]bool{"internal": true, "too_large": true, "not_set_up": true}

// TestPageWordsKeepTheStatus: a page that says an error in its own words
// (withKey) answers with the status of httpx's table for the error.
func TestPageWordsKeepTheStatus(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err    error
		status int
		key    string
	}{
		{withKey("error.already_sent", fmt.Errorf("%w: once a day", app.ErrRateLimited)), http.StatusTooManyRequests, "error.already_sent"},
		{withKey("error.email", fmt.Errorf("%w: no address", app.ErrInvalid)), http.StatusBadRequest, "error.email"},
		{withKey("error.csrf", fmt.Errorf("%w: %w", app.ErrForbidden, errCSRF)), http.StatusForbidden, "error.csrf"},
		{linkError(fmt.Errorf("contact: %w", store.ErrNotFound)), http.StatusBadRequest, "error.link_invalid"},
		{fmt.Errorf("confirm: %w", app.ErrLinkExpired), http.StatusGone, "error.link_expired"},
		{errNotSetUp, http.StatusServiceUnavailable, "error.unavailable"},
		{fmt.Errorf("template: %w", io.ErrUnexpectedEOF), http.StatusInternalServerError, "error.internal"},
	}
	for _, c := range cases {
		status, key := classify(c.err)
		if status != c.status || key != c.key {
			t.Errorf("%v: %d %s, want %d %s", c.err, status, key, c.status, c.key)
		}
		if api := httpx.Classify(c.err); api.Status != c.status {
			t.Errorf("%v: the API would answer %d, the page %d", c.err, api.Status, c.status)
		}
	}
}

// errorServer is a Server for calling serveError directly.
func errorServer(t *testing.T) *Server {
	t.Helper()
	master := make([]byte, vault.KeySize)
	_, _ = rand.Read(master)
	v, _ := vault.New(master)
	a := app.New(storetest.SQLite.Open(t), v, app.Config{PublicURL: publicURL}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s, err := New(a, Config{BusinessName: "Butikken AS", CSRFKey: master})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
