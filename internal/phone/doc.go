// SPDX-License-Identifier: AGPL-3.0-only

// Package phone parses, validates and redacts the phone numbers that
// samtykke may send WhatsApp marketing to.
//
// The service is scoped to Norway: by default only Norwegian mobile numbers
// are accepted, that is +47 followed by eight digits starting with 4 or 9
// (Nkom numbering plan; requirements N-01, N-02 and N-04 of the GDPR/Norway
// requirements reference, section 8). Landlines, M2M/IoT numbers, special
// and premium-rate numbers, short codes and foreign numbers are rejected
// with an [*Error] whose [Reason] explains why without repeating the input.
// A [Policy] may additionally accept mobile numbers of named foreign regions.
//
// # Parsing
//
// [Policy.Parse] has two paths that must agree:
//
//   - a hand-written fast path for the common Norwegian spellings (digits,
//     an optional "+47", "0047" or "47" prefix, and spaces, tabs, no-break
//     spaces, dashes, dots and parentheses as separators), which avoids
//     regular expressions and allocates at most the result string;
//   - a fallback built on github.com/nyaruka/phonenumbers (libphonenumber)
//     for everything else: foreign numbers, unusual punctuation, non-ASCII
//     digits.
//
// The fallback reproduces libphonenumber's parsing, then applies this
// package's rules: Norwegian (+47) numbers are classified by the Nkom plan
// (libphonenumber's metadata only lists the 4x blocks already handed out to
// operators, while N-02 accepts the whole 4x and 9x series), letters are
// refused instead of being read as keypad digits or extensions, and every
// Unicode space counts as a separator. A differential fuzz test
// (FuzzParseAgreesWithLibphonenumber) keeps the two paths in step.
//
// # Redaction
//
// A [Number] never prints in the clear: String, Format (every fmt verb) and
// LogValue return a masked form such as "+47 9** ** *67". Only
// [Number.E164] and [Number.National] return the digits, and their results
// must never be logged.
package phone
