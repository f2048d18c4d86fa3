// SPDX-License-Identifier: AGPL-3.0-only

// Package whatsapp is the WhatsApp Business Platform Cloud API edge of samtykke:
// a small client that sends template, text and interactive reply-button messages,
// typed errors that classify every Graph error code into a retry class, the
// webhook payload types, and the X-Hub-Signature-256 helpers.
//
// Section numbers in comments (§1.6, §2.2, …) are those of docs/platform.md,
// the platform facts this package follows.
//
// # Retrying sends
//
// POST /messages has no idempotency key (§6). Every error the client returns
// therefore falls into one of three groups, and callers must treat them differently:
//
//   - errors.Is(err, ErrNotSent): the request certainly never reached the server
//     (invalid input, connection refused, DNS failure, context cancelled before any
//     byte was written). Resending is safe.
//   - errors.Is(err, ErrAmbiguous): the request may have been accepted (timeout or
//     connection reset after the request left, a 5xx answer, an unreadable 200).
//     Do NOT resend blindly: mark the outbox row "unknown" and reconcile through the
//     status webhooks, which echo biz_opaque_callback_data.
//   - *APIError with Retryable() true (130429, 131056, 4, 80007, 131057 …): the
//     platform rejected the request before processing it; resend after a backoff.
//
// Any other *APIError is a decision (bad request, template problem, recipient
// undeliverable, account problem) that a resend will not change; see Class.
package whatsapp
