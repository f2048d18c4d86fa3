// SPDX-License-Identifier: AGPL-3.0-only

// Package retention decides what samtykke forgets, and when (storage
// limitation, GDPR Art. 5(1)(e); RT-01..RT-08, R-04, R-05, C-11). It holds
// the data classes and their periods, the rules that decide when a contact
// is erased or loses part of its data, the record every deletion leaves,
// and the task an erasure leaves for the processor. Plain Go: the app reads
// the facts, asks these rules, and acts.
//
// # Data classes and periods
//
// Each class has one period in days, set in configuration (RT-01):
//
//   - contacts without a purpose (Periods.NoPurpose, default 30): a contact
//     that never gave a consent (created by the API or an import, a request
//     withdrawn before it was confirmed, an objection from a number that
//     never consented) and has nothing active or pending is erased once this
//     period has passed since its last event (or its creation).
//   - consent proof (Periods.Proof, default 1,095 days = three years, the
//     general Norwegian limitation period, RT-03): once no purpose of a
//     contact that did consent is active or pending, the contact's number,
//     its sealed evidence and its data key are kept as the minimal proof of
//     what it consented to (RT-02), and the contact is erased once the
//     period has passed since its last consent ended (withdrawal, objection,
//     expiry). Under the erase-after-withdrawal policy "immediately" it is
//     erased as soon as no purpose is left (C-11), keeping no proof.
//   - message records (Periods.Messages, default the proof period): what
//     was sent under which consent (RT-08); never shorter than the proof.
//   - webhook bodies (Periods.Webhooks, default and minimum 8 days): handled
//     bodies and the keys that recognise a redelivery; the platform
//     redelivers for up to 7 days (invariant 7).
//   - access-log entries (Periods.AccessLog, default 1,095 days, minimum a
//     year).
//   - rights-request files (Periods.RightsRequests, default 1,095 days):
//     kept after the request is closed.
//
// Unconfirmed opt-in requests expire by their own time to live (RT-07: 72
// hours, optin.DefaultTTL); consents past their refresh date expire (C-10);
// rate-limit counters, which may hold an IP address, go once their window
// has passed.
//
// Boundaries: data of time t kept for a period of N days is due at
// t + N×24 h exactly, and deleted by the first run at or after that instant
// (Due). The day before it is kept; on the day it is due it goes.
//
// # A purpose's retention_days
//
// A purpose's retention_days bounds the personal data collected for that
// purpose beyond the proof: the contact's declared fields that the purpose
// lists (consent.Purpose.Fields, such as first_name), and its tags, which
// serve every purpose. A declared field is kept while a purpose that lists
// it is active or pending for the contact, and for that purpose's
// retention_days after its consent ended; once no such purpose remains, the
// field is removed, even though the contact stays. A field no purpose of
// the contact lists is removed at once (P-03: nothing without a purpose).
// Tags are kept while any purpose is active or pending, and until every
// ended purpose's retention_days has passed. The number, the consent
// evidence and the ledger chain are the proof of consent: retention_days
// does not shorten them; the proof period does (R-04, RT-02). A contact
// with no consent state at all is left to the contact rules.
//
// # What erasure keeps
//
// Erasure crypto-shreds the contact: its data key goes, and with it the
// number, the declared fields, the BSUID and every event's evidence; the
// blind index, tags, pending opt-ins and message platform ids go too. The
// pseudonymous ledger chain stays and still verifies (L-05). When the person
// opted out or objected, the keyed token of the number stays on the
// suppression list, with the reason recorded (RT-05: deleting it would let
// the number be added and messaged again). Every erasure leaves a task to
// tell the processor (Meta, for the WhatsApp Cloud API) where it may still
// hold the person's data (R-05, Art. 19).
package retention
