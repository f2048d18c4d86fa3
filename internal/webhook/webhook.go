// SPDX-License-Identifier: AGPL-3.0-only

// Package webhook receives the WhatsApp Cloud API's webhooks: the GET
// verification handshake, and POSTs that count only with a valid
// X-Hub-Signature-256 over the raw body (invariant 7, reference §4.2-§4.3).
package webhook

import (
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/samtykke/samtykke/internal/app"
	"github.com/samtykke/samtykke/internal/httpx"
	"github.com/samtykke/samtykke/internal/whatsapp"
)

// MaxBody is the largest webhook body accepted. The platform batches, but a
// body of a few hundred statuses stays far below this.
const MaxBody = 1 << 20

// Handler serves /webhooks/whatsapp.
type Handler struct {
	App         *app.App
	AppSecret   string
	VerifyToken string
	Log         *slog.Logger
}

// Register adds the webhook routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /webhooks/whatsapp", h.verify)
	mux.HandleFunc("POST /webhooks/whatsapp", h.receive)
}

// verify answers the subscription handshake: echo hub.challenge when
// hub.verify_token is ours (§4.2).
func (h *Handler) verify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("hub.mode") != "subscribe" || h.VerifyToken == "" ||
		subtle.ConstantTimeCompare([]byte(q.Get("hub.verify_token")), []byte(h.VerifyToken)) != 1 {
		httpx.WriteError(w, r, h.Log, httpx.Errorf(http.StatusForbidden, "forbidden", "verification token does not match"))
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, q.Get("hub.challenge"))
}

// receive checks the signature over the raw body before anything else, then
// hands the body to the app, which stores it durably before we answer 200.
// Each POST is counted with its outcome and time (the metrics).
func (h *Handler) receive(w http.ResponseWriter, r *http.Request) {
	start, outcome := time.Now(), app.WebhookFailed
	defer func() { h.App.ObserveWebhook(outcome, time.Since(start)) }()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		outcome = app.WebhookTooLarge
		httpx.WriteError(w, r, h.Log, httpx.Errorf(http.StatusRequestEntityTooLarge, "too_large", "webhook body too large"))
		return
	}
	if err != nil {
		httpx.WriteError(w, r, h.Log, httpx.Errorf(http.StatusBadRequest, "invalid_input", "cannot read the body"))
		return
	}
	if !whatsapp.VerifySignature(h.AppSecret, body, r.Header.Get(whatsapp.SignatureHeader)) {
		outcome = app.WebhookBadSignature
		h.Log.Warn("webhook with a bad or missing signature refused", "request_id", httpx.RequestID(r.Context()))
		httpx.WriteError(w, r, h.Log, httpx.Errorf(http.StatusUnauthorized, "bad_signature", "signature does not verify"))
		return
	}
	if err := h.App.ReceiveWebhook(r.Context(), body); err != nil {
		if errors.Is(err, app.ErrInvalid) {
			outcome = app.WebhookInvalid
		}
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	outcome = app.WebhookHandled
	w.WriteHeader(http.StatusOK)
}
