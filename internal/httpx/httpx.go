// SPDX-License-Identifier: AGPL-3.0-only

// Package httpx holds what every HTTP surface of samtykke shares: the one
// table that maps errors to statuses, JSON reading and writing with limits,
// request ids, access logging without personal data, and panic recovery.
package httpx

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/notice"
	"github.com/samtykke/samtykke/internal/reply"
	"github.com/samtykke/samtykke/internal/store"
)

// MaxBody is the largest JSON body the API reads.
const MaxBody = 64 << 10

// Error is an error with the status and code the client sees.
type Error struct {
	Status  int
	Code    string
	Message string
	Details map[string]any
}

func (e *Error) Error() string { return e.Message }

// Errorf makes an *Error.
func Errorf(status int, code, format string, a ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, a...)}
}

// Mapping is one line of the error table: an error that matches it answers
// with Status and Code on every HTTP surface, the API's JSON and the public
// pages alike (the pages add only the words, an i18n key chosen by Code).
type Mapping struct {
	// Example is an error of this line: the sentinel itself, or a value of
	// the error type. Tests walk the table through each adapter with it.
	Example error
	// Status is the HTTP status.
	Status int
	// Code is the machine-readable error code of the JSON error shape.
	Code string
	// Message is what the API says; empty, the error's own text (which the
	// app writes without personal data).
	Message string
	is      func(error) bool
	finish  func(err error, e *Error) // adds what the type of error knows
}

func sentinel(target error, status int, code, message string) Mapping {
	return Mapping{Example: target, Status: status, Code: code, Message: message,
		is: func(err error) bool { return errors.Is(err, target) }}
}

// table maps each error the app and the store return to what the client
// sees: the single table of every transport (STYLE C). The first line that
// matches wins, so an error that wraps another comes before it.
//
// Where the API and the pages once disagreed, the choice:
//   - an expired link is 410 Gone, with the code link_expired: the link
//     existed and will not work again, which is what 410 says (RFC 9110
//     §15.5.11). It was 422 refused on the API, which has no route taking
//     links, so no API answer changed.
//   - an altered or unknown link is 400 with the code link_invalid (the
//     API said invalid_input, with the same 400).
var table = []Mapping{
	{Example: &notice.MissingError{Items: []notice.Item{notice.Required[0]}}, Status: http.StatusUnprocessableEntity,
		Code: "notice_incomplete", // before ErrRefused, which wraps it
		is: func(err error) bool {
			var missing *notice.MissingError
			return errors.As(err, &missing)
		},
		finish: func(err error, e *Error) {
			var missing *notice.MissingError
			errors.As(err, &missing)
			items := make([]string, len(missing.Items))
			for i, it := range missing.Items {
				items[i] = string(it)
			}
			e.Message, e.Details = missing.Error(), map[string]any{"missing": items}
		}},
	sentinel(app.ErrLinkExpired, http.StatusGone, "link_expired", ""),            // before ErrRefused, which it wraps
	sentinel(app.ErrLinkInvalid, http.StatusBadRequest, "link_invalid", ""),      // before ErrInvalid, which it wraps
	sentinel(app.ErrCodeWrong, http.StatusUnprocessableEntity, "code_wrong", ""), // before ErrRefused, which it wraps
	sentinel(app.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated", "a valid bearer token is required"),
	sentinel(app.ErrForbidden, http.StatusForbidden, "forbidden", ""),
	sentinel(app.ErrInvalid, http.StatusBadRequest, "invalid_input", ""),
	sentinel(app.ErrRateLimited, http.StatusTooManyRequests, "rate_limited", ""),
	sentinel(app.ErrReceiptsNotSetUp, http.StatusServiceUnavailable, "not_set_up", ""), // before ErrRefused, which it wraps
	// A free-text answer after the 24-hour service window (reference §1.7):
	// its own code, so that a client can offer a template instead.
	sentinel(reply.ErrWindowClosed, http.StatusUnprocessableEntity, "window_closed", ""), // before ErrRefused, which wraps it
	sentinel(app.ErrRefused, http.StatusUnprocessableEntity, "refused", ""),
	sentinel(app.ErrNotReady, http.StatusServiceUnavailable, "not_ready", ""),
	sentinel(app.ErrPlatform, http.StatusBadGateway, "platform_error", ""),
	// A key rotation that cannot start or go on as asked (a rotation runs
	// already, or this replica lacks the new key): the state forbids it.
	sentinel(app.ErrKeyRotation, http.StatusConflict, "key_rotation", ""),
	sentinel(store.ErrNotFound, http.StatusNotFound, "not_found", "not found"),
	sentinel(store.ErrConflict, http.StatusConflict, "conflict", "conflict with the current state"),
	sentinel(context.Canceled, 499, "canceled", "request canceled"),
}

// internalError is what every error outside the table becomes.
var internalError = Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"}

// Table is a copy of the error table, in the order it is matched.
func Table() []Mapping { return slices.Clone(table) }

// Classify maps an error to what the client sees: an *Error as it is, else
// the first line of the table that matches, else 500 internal. Every
// transport classifies through it; none keeps a table of its own.
func Classify(err error) *Error {
	var he *Error
	if errors.As(err, &he) {
		return he
	}
	for _, m := range table {
		if !m.is(err) {
			continue
		}
		e := &Error{Status: m.Status, Code: m.Code, Message: m.Message}
		if e.Message == "" {
			e.Message = err.Error()
		}
		if m.finish != nil {
			m.finish(err, e)
		}
		return e
	}
	e := internalError
	return &e
}

// WriteError answers with the JSON error shape and logs 5xx once, here.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := Classify(err)
	if e.Status >= 500 {
		log.ErrorContext(r.Context(), "request failed", "request_id", RequestID(r.Context()),
			"method", r.Method, "route", r.Pattern, "error", err)
	}
	body := map[string]any{"code": e.Code, "message": e.Message}
	for k, v := range e.Details {
		body[k] = v
	}
	WriteJSON(w, e.Status, map[string]any{"error": body})
}

// WriteJSON answers with a JSON body.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"internal error"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// ReadJSON decodes one JSON object from the body into v: at most MaxBody
// bytes, no unknown fields, nothing after it.
func ReadJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !bytes.HasPrefix([]byte(ct), []byte("application/json")) {
		return Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return Errorf(http.StatusRequestEntityTooLarge, "too_large", "the body is larger than %d bytes", MaxBody)
	} else if err != nil {
		return Errorf(http.StatusBadRequest, "invalid_input", "cannot read the body")
	}
	if key, err := duplicateKey(body); err == nil && key != "" {
		return Errorf(http.StatusBadRequest, "invalid_json", "the body names %q more than once", key)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Errorf(http.StatusBadRequest, "invalid_json", "the body is not the expected JSON: %s", jsonProblem(err))
	}
	if dec.More() {
		return Errorf(http.StatusBadRequest, "invalid_json", "the body holds more than one JSON value")
	}
	return nil
}

// duplicateKey returns the first key that an object in the JSON body names
// twice: contradictory input, which encoding/json would settle silently by
// taking the last. A body that is not JSON returns the decoder's error, for
// the decoding proper to describe.
func duplicateKey(body []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if k, isKey := tok.(string); isKey && top != nil && top.object && top.key {
			if top.keys[k] {
				return k, nil
			}
			top.keys[k] = true
			top.key = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, keys: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: in an object the next token is a key again.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}

// jsonProblem describes a decoding error without echoing the input's values.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q must be %s", typ.Field, typ.Type)
	case errors.Is(err, io.EOF):
		return "empty body"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the body ends before its JSON does"
	}
	var tp *time.ParseError
	if errors.As(err, &tp) {
		return "times must be RFC 3339, like 2026-11-29T12:00:00Z"
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field") && len(msg) < 120 {
		return strings.TrimPrefix(msg, "json: ") // a field name, never a value
	}
	return "a value has the wrong format" // never echo the input: it may hold a number
}

type ctxKey int

const requestIDKey ctxKey = 1

// RequestID is the id of the request being served.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// RequestIDHeader carries a request's id: taken from the client or proxy
// when it sends a usable one, else made here, and sent back either way.
const RequestIDHeader = "X-Request-Id"

// requestID is the id the request came with when it is usable, else a new
// one. Usable: 1 to 64 of [A-Za-z0-9._-] with a letter among them, so that
// what is logged as an id can be neither a forged log line nor a phone
// number (one spelled as digits with separators has no letter).
func requestID(r *http.Request) string {
	if id := r.Header.Get(RequestIDHeader); usableID(id) {
		return id
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func usableID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	letter := false
	for _, c := range []byte(id) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return letter
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Observer is told of each finished request (for metrics).
type Observer func(r *http.Request, status int, d time.Duration)

// probes are the routes that orchestrators and Prometheus call every few
// seconds: a success there is logged at DEBUG, not to drown the requests
// people and the platform make.
var probes = map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true}

// simulated reports whether a route is the built-in WhatsApp simulator's
// (serve without a Cloud API token): it stands in for the platform, whose
// side of the traffic is not the service's to log.
func simulated(route string) bool {
	_, path, _ := strings.Cut(route, " ")
	return strings.HasPrefix(route, "/_sim/") || strings.HasPrefix(path, "/_sim/")
}

// Middleware gives each request an id (X-Request-Id, honoured when usable),
// recovers panics, and logs one INFO line per request: method, route pattern,
// status, duration and request id. Never the path or query, which hold
// tokens and may hold a number, nor a body.
func Middleware(log *slog.Logger, observe Observer, next http.Handler) http.Handler {
	return middleware(log, slog.LevelInfo, observe, next)
}

// QuietMiddleware is Middleware logging each request at DEBUG: for the
// WhatsApp simulator on its own (whatsapp-sim), whose every request would
// otherwise cost a log line at benchmark rates.
func QuietMiddleware(log *slog.Logger, next http.Handler) http.Handler {
	return middleware(log, slog.LevelDebug, nil, next)
}

func middleware(log *slog.Logger, level slog.Level, observe Observer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID(r)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		w.Header().Set(RequestIDHeader, id)
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			// http.ErrAbortHandler cuts a response short on purpose (a
			// stream that failed after its status went out): logged, then
			// passed on, so that the server drops the connection instead of
			// ending the body as if it were whole.
			p := recover()
			aborted := p == http.ErrAbortHandler
			if aborted {
				defer panic(p)
			} else if p != nil {
				log.Error("panic", "request_id", id, "route", r.Pattern, "panic", fmt.Sprint(p))
				WriteError(rec, r, log, errors.New("panic"))
			}
			d := time.Since(start)
			level := level
			if (rec.status < 400 && probes[r.Pattern]) || simulated(r.Pattern) {
				level = slog.LevelDebug
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			attrs := []slog.Attr{slog.String("method", r.Method), slog.String("route", route),
				slog.Int("status", rec.status), slog.Float64("duration_ms", float64(d.Microseconds())/1000),
				slog.String("request_id", id)}
			if aborted {
				attrs = append(attrs, slog.Bool("aborted", true))
			}
			log.LogAttrs(r.Context(), level, "request", attrs...)
			if observe != nil {
				observe(r, rec.status, d)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}
