// SPDX-License-Identifier: AGPL-3.0-only

// Package receipt makes and checks signed consent receipts (L-04): what a
// person keeps to show that, when and to what they consented.
//
// A receipt is one JSON object for one confirmed consent event of the
// ledger. Its top-level members are the fields of the Kantara Initiative
// Consent Receipt Specification v1.1.0 (version "KI-CR-v1.1.0",
// jurisdiction "NO", consentTimestamp in seconds, a UUID-4 shaped
// consentReceiptID, piiPrincipalId, piiControllers, policyUrl, services with
// their purposes, sensitive ...). Beside them, "iso27560Record" holds the
// same consent as an ISO/IEC TS 27560 shaped record in the W3C DPV profile
// (dc:identifier, hasDataSubject, hasDataController, hasPurpose,
// hasLegalBasis, hasConsentStatus, hasNotice, hasProvenance, dates), and
// "proof" holds the signature.
//
// The person is named by the contact's pseudonymous id, never by the
// number. A receipt is made from the ledger on demand and is the same bytes
// each time: its id derives from the event's id and the key, and Ed25519
// signatures are deterministic.
//
// # Signature
//
// The signature is Ed25519 (RFC 8032) by the controller's receipt key, whose
// public half is the receipt's "publicKey" (standard base64 of the 32 bytes)
// and whose RFC 7638 JWK thumbprint is "proof"."kid". It covers the receipt's
// JSON Canonicalization Scheme form (RFC 8785, JCS) with the one member
// "proof"."signature" left out, and nothing else: to check a receipt, remove
// that member, canonicalize what is left with JCS, and verify the base64url
// (unpadded) signature over those bytes. Receipts hold strings, booleans and
// integers of at most 2^53-1 only, so their JCS form needs no number
// formatting beyond plain decimal; Verify refuses anything else, a
// duplicated member name and text that is not UTF-8.
//
// Whitespace and member order are not signed: a receipt pretty-printed
// again still verifies; any change to a name or a value does not.
package receipt
