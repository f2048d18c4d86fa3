// SPDX-License-Identifier: AGPL-3.0-only

package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrAmbiguous marks a send whose outcome is unknown: the request left this
// process (at least its headers were written) and then the connection failed,
// timed out or was cancelled, or the server answered 5xx or an unreadable 200.
// The platform may have accepted the message. There is no idempotency key (§6),
// so a blind resend can deliver the message twice: record the send as "unknown"
// and reconcile through status webhooks (biz_opaque_callback_data) instead.
// The returned error wraps both ErrAmbiguous and the cause.
var ErrAmbiguous = errors.New("whatsapp: send outcome unknown, the request may have been accepted")

// ErrNotSent marks a send that certainly never reached the server: the
// connection was refused, the name did not resolve, or the context ended before
// any byte was written. Resending is safe. The returned error wraps the cause.
var ErrNotSent = errors.New("whatsapp: request not sent")

// ErrInvalidRequest is returned, wrapped with the reason, when the client
// rejects a request locally before sending it (e.g. callback data over 512
// characters). It also matches ErrNotSent.
var ErrInvalidRequest = errors.New("whatsapp: invalid request")

// invalidError is a request rejected locally: it matches ErrInvalidRequest
// and ErrNotSent.
type invalidError struct{ msg string }

func invalidf(format string, a ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, a...)}
}

// Error names the local reason.
func (e *invalidError) Error() string { return "whatsapp: invalid request: " + e.msg }

// Is matches ErrInvalidRequest and ErrNotSent.
func (e *invalidError) Is(target error) bool {
	return target == ErrInvalidRequest || target == ErrNotSent
}

// APIError is a Graph error answer (§2.1) from POST /messages, with its retry
// class (§2.2). Key logic on Code and Class, not on Message.
type APIError struct {
	HTTPStatus int
	Code       int
	Subcode    int
	Type       string
	// Message is the Graph message, normally "(#code) title".
	Message string
	// Details is error_data.details, the most specific description.
	Details   string
	FBTraceID string
	Class     Class
	// RetryAfter is the wait the server asked for (Retry-After header or
	// X-Business-Use-Case-Usage estimated_time_to_regain_access), 0 when it gave none.
	RetryAfter time.Duration
	// decoded is false when the body was not a Graph error (e.g. a proxy's 502 page).
	decoded bool
}

// Error formats the error without personal data: code, status, class and texts.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("whatsapp: api error ")
	if e.decoded {
		b.WriteString(strconv.Itoa(e.Code))
	} else {
		b.WriteString("(no graph error body)")
	}
	fmt.Fprintf(&b, " (HTTP %d, %s)", e.HTTPStatus, e.Class)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Details != "" && e.Details != e.Message {
		b.WriteString(": ")
		b.WriteString(e.Details)
	}
	return b.String()
}

// Ambiguous reports whether the platform may have accepted the message despite
// the error: §6 says to treat 5xx answers as unknown, except 131057 (maintenance,
// rejected before processing), and codes 1 and 131000 are "unknown" failures.
func (e *APIError) Ambiguous() bool {
	if e.decoded && (e.Code == CodeUnknown || e.Code == CodeSomethingWentWrong) {
		return true
	}
	if e.HTTPStatus >= 500 {
		return !(e.decoded && (e.Code == CodeMaintenance || e.Class == ClassAuth || e.Class == ClassAccount))
	}
	return false
}

// Retryable reports whether the same request may be resent after a backoff:
// the platform rejected it before processing (rate limits, maintenance) and
// nothing was sent. It is false for ambiguous errors; see ErrAmbiguous.
func (e *APIError) Retryable() bool {
	switch e.Class {
	case ClassRateLimited, ClassPairRateLimited, ClassTransient:
		return !e.Ambiguous()
	}
	return false
}

// Is makes errors.Is(err, ErrAmbiguous) true for an ambiguous APIError, so one
// check covers every "outcome unknown" case.
func (e *APIError) Is(target error) bool {
	return target == ErrAmbiguous && e.Ambiguous()
}

// newAPIError decodes a non-2xx answer. body may be anything; a body that is not
// a Graph error still yields an APIError classified by HTTP status.
func newAPIError(status int, header http.Header, body []byte) *APIError {
	e := &APIError{HTTPStatus: status}
	var env ErrorResponse
	if err := json.Unmarshal(body, &env); err == nil && (env.Error.Message != "" || env.Error.Code != 0 || env.Error.Type != "") {
		g := env.Error
		e.decoded = true
		e.Code, e.Subcode, e.Type, e.Message, e.FBTraceID = g.Code, g.ErrorSubcode, g.Type, g.Message, g.FBTraceID
		if g.ErrorData != nil {
			e.Details = g.ErrorData.Details
		}
	}
	e.Class = classify(e.decoded, e.Code, e.Subcode, status)
	e.RetryAfter = retryAfter(header)
	return e
}

// classify maps (code, status) to a class per §2.2.
func classify(decoded bool, code, subcode, status int) Class {
	if !decoded {
		switch {
		case status >= 500:
			return ClassTransient
		case status == http.StatusTooManyRequests:
			return ClassRateLimited
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			return ClassAuth
		}
		return ClassPermanent
	}
	// Graph answers an unknown or inaccessible phone-number id with code 100,
	// subcode 33: a configuration problem, not a bad message.
	if code == CodeInvalidParameter && subcode == 33 {
		return ClassAccount
	}
	if info, ok := LookupCode(code); ok {
		return info.Class
	}
	switch {
	case status >= 500:
		return ClassTransient
	case status == http.StatusTooManyRequests:
		return ClassRateLimited
	}
	return ClassPermanent
}

// retryAfter reads Retry-After (seconds or HTTP date) and the Graph
// X-Business-Use-Case-Usage header (estimated_time_to_regain_access, minutes, §3.5).
func retryAfter(h http.Header) time.Duration {
	if h == nil {
		return 0
	}
	var d time.Duration
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
			d = time.Duration(s) * time.Second
		} else if t, err := http.ParseTime(v); err == nil {
			if w := time.Until(t); w > 0 {
				d = w
			}
		}
	}
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var usage map[string][]struct {
			EstimatedTimeToRegainAccess int `json:"estimated_time_to_regain_access"`
		}
		if json.Unmarshal([]byte(v), &usage) == nil {
			for _, list := range usage {
				for _, u := range list {
					if w := time.Duration(u.EstimatedTimeToRegainAccess) * time.Minute; w > d {
						d = w
					}
				}
			}
		}
	}
	return d
}
