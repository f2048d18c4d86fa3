// SPDX-License-Identifier: AGPL-3.0-only

package whatsapp

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

// TestAPIError_Decode_2_1 decodes Meta's own example error (§2.1).
func TestAPIError_Decode_2_1(t *testing.T) {
	t.Parallel()
	body := []byte(`{ "error": { "message": "(#130429) Rate limit hit", "type": "OAuthException", "code": 130429,
             "error_data": { "messaging_product": "whatsapp", "details": "Cloud API message throughput has been reached." },
             "error_subcode": 2494055, "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam" } }`)
	e := newAPIError(400, nil, body)
	want := APIError{HTTPStatus: 400, Code: 130429, Subcode: 2494055, Type: "OAuthException", Message: "(#130429) Rate limit hit",
		Details: "Cloud API message throughput has been reached.", FBTraceID: "Az8or2yhqkZfEZ-_4Qn_Bam", Class: ClassRateLimited, decoded: true}
	if *e != want {
		t.Fatalf("decoded\n got %+v\nwant %+v", *e, want)
	}
	if !e.Retryable() || e.Ambiguous() || errors.Is(e, ErrAmbiguous) {
		t.Errorf("130429: Retryable=%v Ambiguous=%v, want true false", e.Retryable(), e.Ambiguous())
	}
	if got := e.Error(); got != "whatsapp: api error 130429 (HTTP 400, rate_limited): (#130429) Rate limit hit: Cloud API message throughput has been reached." {
		t.Errorf("Error() = %q", got)
	}
}

// TestClassify_2_2 follows the class column of the §2.2 table.
func TestClassify_2_2(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code, status int
		class        Class
		retryable    bool
		ambiguous    bool
	}{
		{0, 401, ClassAuth, false, false},
		{190, 401, ClassAuth, false, false},
		{3, 500, ClassAuth, false, false},
		{10, 403, ClassAuth, false, false},
		{200, 403, ClassAuth, false, false},
		{299, 403, ClassAuth, false, false},
		{4, 400, ClassRateLimited, true, false},
		{80007, 400, ClassRateLimited, true, false},
		{130429, 400, ClassRateLimited, true, false},
		{131056, 400, ClassPairRateLimited, true, false},
		{131048, 400, ClassAccount, false, false},
		{133016, 400, ClassAccount, false, false},
		{131057, 500, ClassTransient, true, false},
		{2494100, 400, ClassTransient, true, false},
		{1, 400, ClassTransient, false, true},
		{2, 503, ClassTransient, false, true},
		{131000, 500, ClassTransient, false, true},
		{131016, 500, ClassTransient, false, true},
		{133004, 503, ClassTransient, false, true},
		{33, 400, ClassAccount, false, false},
		{100, 400, ClassInvalidRequest, false, false},
		{131008, 400, ClassInvalidRequest, false, false},
		{131009, 400, ClassInvalidRequest, false, false},
		{131021, 400, ClassInvalidRequest, false, false},
		{131051, 400, ClassInvalidRequest, false, false},
		{131052, 400, ClassInvalidRequest, false, false},
		{131053, 400, ClassInvalidRequest, false, false},
		{135000, 400, ClassInvalidRequest, false, false},
		{131030, 400, ClassInvalidRequest, false, false},
		{132000, 400, ClassTemplate, false, false},
		{132001, 404, ClassTemplate, false, false},
		{132005, 400, ClassTemplate, false, false},
		{132007, 400, ClassTemplate, false, false},
		{132012, 400, ClassTemplate, false, false},
		{132015, 400, ClassTemplate, false, false},
		{132016, 400, ClassTemplate, false, false},
		{132069, 400, ClassTemplate, false, false},
		{131047, 400, ClassReengagement, false, false},
		{131026, 400, ClassNotOnWhatsApp, false, false},
		{131049, 400, ClassMarketingLimited, false, false},
		{131050, 400, ClassUserStoppedMarketing, false, false},
		{130472, 400, ClassPermanent, false, false},
		{131042, 400, ClassAccount, false, false},
		{131031, 403, ClassAccount, false, false},
		{368, 403, ClassAccount, false, false},
		{130497, 403, ClassAccount, false, false},
		{131037, 400, ClassAccount, false, false},
		{131045, 500, ClassAccount, false, false},
		{133010, 400, ClassAccount, false, false},
		{999999, 400, ClassPermanent, false, false},
		{999999, 502, ClassTransient, false, true},
	}
	for _, tt := range tests {
		t.Run(classNames[tt.class]+"/"+itoa(tt.code), func(t *testing.T) {
			t.Parallel()
			body := []byte(`{"error":{"message":"(#` + itoa(tt.code) + `) x","type":"OAuthException","code":` + itoa(tt.code) + `}}`)
			e := newAPIError(tt.status, nil, body)
			if e.Class != tt.class || e.Retryable() != tt.retryable || e.Ambiguous() != tt.ambiguous {
				t.Errorf("code %d HTTP %d: class %v retryable %v ambiguous %v, want %v %v %v",
					tt.code, tt.status, e.Class, e.Retryable(), e.Ambiguous(), tt.class, tt.retryable, tt.ambiguous)
			}
			if errors.Is(e, ErrAmbiguous) != tt.ambiguous {
				t.Errorf("errors.Is(ErrAmbiguous) = %v", !tt.ambiguous)
			}
			if info, ok := LookupCode(tt.code); ok && info.HTTPStatus != 0 && info.HTTPStatus != tt.status {
				t.Errorf("table HTTP status for %d = %d, reference says %d", tt.code, info.HTTPStatus, tt.status)
			}
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestAPIError_NotGraph(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		body      string
		class     Class
		ambiguous bool
	}{
		{"proxy 502 html", 502, "<html>Bad Gateway</html>", ClassTransient, true},
		{"gateway timeout empty", 504, "", ClassTransient, true},
		{"429 from a proxy", 429, "slow down", ClassRateLimited, false},
		{"401 plain", 401, "no", ClassAuth, false},
		{"404 plain", 404, "not found", ClassPermanent, false},
		{"unknown path 2500", 400, `{"error":{"message":"Unknown path components: /x","type":"OAuthException","code":2500}}`, ClassPermanent, false},
		{"unknown phone id 100/33", 400, `{"error":{"message":"Unsupported post request.","type":"GraphMethodException","code":100,"error_subcode":33}}`, ClassAccount, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newAPIError(tt.status, nil, []byte(tt.body))
			if e.Class != tt.class || e.Ambiguous() != tt.ambiguous {
				t.Errorf("class %v ambiguous %v, want %v %v", e.Class, e.Ambiguous(), tt.class, tt.ambiguous)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"none", http.Header{}, 0},
		{"seconds", http.Header{"Retry-After": {"7"}}, 7 * time.Second},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0},
		{"business use case usage", http.Header{"X-Business-Use-Case-Usage": {`{"1234":[{"type":"whatsapp","call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":3}]}`}}, 3 * time.Minute},
		{"larger wins", http.Header{"Retry-After": {"600"}, "X-Business-Use-Case-Usage": {`{"1":[{"estimated_time_to_regain_access":1}]}`}}, 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := retryAfter(tt.header); got != tt.want {
				t.Errorf("retryAfter = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestClassString(t *testing.T) {
	t.Parallel()
	for c := ClassPermanent; c <= ClassTransient; c++ {
		if c.String() == "unknown" || c.String() == "" {
			t.Errorf("class %d has no name", c)
		}
	}
	if Class(99).String() != "unknown" {
		t.Errorf("Class(99) = %q", Class(99).String())
	}
}
