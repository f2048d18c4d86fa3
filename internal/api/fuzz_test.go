// SPDX-License-Identifier: AGPL-3.0-only

package api_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/samtykke/samtykke/internal/staff"
	"github.com/samtykke/samtykke/internal/store/storetest"
)

// FuzzRecordConsent throws arbitrary bodies at POST /api/v1/consents: the
// answer is never a 5xx, and an answer other than 201 changes nothing
// (invariant 8).
func FuzzRecordConsent(f *testing.F) {
	seeds := []string{
		`{"phone":"+47 912 34 567","purpose":"offers","method":"web_form","collected_at":"2026-11-29T10:00:00Z","age_confirmed":true,"evidence":{"affirmative_act":"checkbox","wording_hash":"h","confirmation_channel":"whatsapp","confirmation_message_id":"w"}}`,
		`{"contact_id":"x","purpose":"offers"}`,
		`{"phone":"91234567","contact_id":"y"}`,
		`{"phone":null,"evidence":{"extra":{"a":"b"}}}`,
		`{"collected_at":"2026-13-40T99:00:00Z"}`,
		`{"notice_version":-1,"phone":"4791234567","purpose":"offers","method":"api","collected_at":"2026-11-29T10:00:00Z","age_confirmed":true,"evidence":{"affirmative_act":"a","wording_hash":"h"}}`,
		`[]`, `"x"`, `{`, ``, `{"phone":"\u0000"}`, `{"evidence":[]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	tb := setup(f, storetest.SQLite)
	tb.seed()
	f.Fuzz(func(t *testing.T, body []byte) {
		tb.t = t
		rowsBefore := count(t, tb)
		req := httptest.NewRequest("POST", "/api/v1/consents", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tb.tokens[staff.Integrator])
		rec := httptest.NewRecorder()
		tb.h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		if rec.Code != http.StatusCreated && count(t, tb) != rowsBefore {
			t.Fatalf("status %d changed rows for %q", rec.Code, body)
		}
	})
}

func count(t *testing.T, tb *bundle) int64 {
	var n int64
	for _, table := range []string{"contacts", "consent_events", "consent_states", "access_log"} {
		n += tb.b.Int(t, tb.store, "SELECT count(*) FROM "+table)
	}
	return n
}
