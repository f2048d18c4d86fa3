// SPDX-License-Identifier: AGPL-3.0-only

package httpx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestReadJSONRefusesDuplicateKeys: a body that names a key twice is
// contradictory input (invariant 8), refused with 400 whatever its nesting;
// encoding/json alone would take the last value.
func TestReadJSONRefusesDuplicateKeys(t *testing.T) {
	t.Parallel()
	type inner struct {
		B string `json:"b"`
		C string `json:"c"`
	}
	type body struct {
		ContactID string  `json:"contact_id"`
		Purpose   string  `json:"purpose"`
		Nested    inner   `json:"nested"`
		List      []inner `json:"list"`
	}
	cases := []struct {
		body string
		dup  string // "" when it must be accepted
	}{
		{`{"contact_id":"x","contact_id":"y"}`, "contact_id"},
		{`{"contact_id":"x","purpose":"a","contact_id":"y"}`, "contact_id"},
		{`{"nested":{"b":"1","b":"2"}}`, "b"},
		{`{"list":[{"b":"1"},{"c":"1","c":"2"}]}`, "c"},
		{`{"nested":{"b":"1"},"nested":{"c":"2"}}`, "nested"},
		{`{"nested":{"b":"1","c":"2"},"list":[{"b":"1","c":"1"},{"b":"2"}],"purpose":"b"}`, ""},
		{`{"contact_id":"b","purpose":"contact_id"}`, ""},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.body))
		r.Header.Set("Content-Type", "application/json")
		var v body
		err := ReadJSON(httptest.NewRecorder(), r, &v)
		if c.dup == "" {
			if err != nil {
				t.Errorf("%s: %v; want it accepted", c.body, err)
			}
			continue
		}
		e, ok := err.(*Error)
		if !ok || e.Status != http.StatusBadRequest || !strings.Contains(e.Message, `"`+c.dup+`"`) {
			t.Errorf("%s: %v; want 400 naming %q", c.body, err, c.dup)
		}
	}
}
