// SPDX-License-Identifier: AGPL-3.0-only

package phone

import "strings"

// Reason says why [Policy.Parse] rejected an input. Its value is a stable,
// lower-case identifier (for example "landline") that is safe to use as a
// metrics label or i18n key.
//
// Reason implements error so that each constant works as a sentinel:
// errors.Is(err, ReasonLandline) reports whether err is an [*Error] with that
// reason. A Reason never contains any part of the rejected input.
type Reason string //nolint:errname // Reason values are the errors.Is sentinels of *Error.

// Reasons returned by [Policy.Parse].
//
//nolint:errname // These constants are errors.Is sentinels; "Err" prefixes would stutter with Reason.
const (
	// ReasonEmpty means the input was empty or only white space.
	ReasonEmpty Reason = "empty"
	// ReasonInvalid means the input is not a phone number: wrong characters,
	// letters, an extension, an unknown country code or a Norwegian number
	// outside the numbering plan.
	ReasonInvalid Reason = "invalid"
	// ReasonTooShort means the input has too few digits to be a number of
	// its country (for Norway: 1-2 or 7 digits).
	ReasonTooShort Reason = "too_short"
	// ReasonTooLong means the input has too many digits to be a number of
	// its country (for Norway: more than 8, except 12-digit M2M numbers).
	ReasonTooLong Reason = "too_long"
	// ReasonLandline means a Norwegian fixed-line number (2x, 3x, 50-57, 6x,
	// 7x). WhatsApp can register landlines, but the service only accepts
	// mobile numbers.
	ReasonLandline Reason = "landline"
	// ReasonM2M means a Norwegian machine-to-machine / IoT number: 58 plus
	// ten digits, or 59 plus six digits.
	ReasonM2M Reason = "m2m"
	// ReasonSpecial means a Norwegian 8-digit special-service number (8x):
	// freephone 800, shared-cost 810/815, premium rate 820/829 and the rest
	// of the 8-series.
	ReasonSpecial Reason = "special"
	// ReasonShortCode means a 3 to 6 digit Norwegian number: short and
	// special numbers (1xx, 1881, 116xxx), 5-digit numbers 02000-09999 and
	// SMS short codes.
	ReasonShortCode Reason = "short_code"
	// ReasonForeign means a valid-looking number outside Norway whose region
	// the [Policy] does not allow.
	ReasonForeign Reason = "foreign"
	// ReasonNotMobile means a number of an allowed foreign region that is not
	// a mobile number.
	ReasonNotMobile Reason = "not_mobile"
)

// Error implements error. The text names the reason only, never the input.
func (r Reason) Error() string {
	return "phone: " + r.describe()
}

// describe returns a short English, lower-case description for Error.
func (r Reason) describe() string {
	switch r {
	case ReasonEmpty:
		return "empty input"
	case ReasonInvalid:
		return "not a valid phone number"
	case ReasonTooShort:
		return "too few digits"
	case ReasonTooLong:
		return "too many digits"
	case ReasonLandline:
		return "landline number, not a mobile number"
	case ReasonM2M:
		return "machine-to-machine (M2M/IoT) number, not a personal mobile number"
	case ReasonSpecial:
		return "special-service or premium-rate number"
	case ReasonShortCode:
		return "short code or special short number"
	case ReasonForeign:
		return "foreign number not allowed by policy"
	case ReasonNotMobile:
		return "foreign number is not a mobile number"
	default:
		return "rejected number"
	}
}

// Message returns a short explanation for an end user in the given language.
// lang is a BCP 47 tag or prefix: "nb", "no" and "nn" (and regional forms
// such as "nb-NO") give Norwegian bokmål, anything else gives English.
// The text never contains any part of the rejected input.
func (r Reason) Message(lang string) string {
	if isNorwegian(lang) {
		return r.messageNB()
	}
	return r.messageEN()
}

func (r Reason) messageNB() string {
	switch r {
	case ReasonEmpty:
		return "Skriv inn et norsk mobilnummer."
	case ReasonTooShort:
		return "Nummeret har for få sifre; norske mobilnumre har 8 sifre."
	case ReasonTooLong:
		return "Nummeret har for mange sifre; norske mobilnumre har 8 sifre."
	case ReasonLandline:
		return "Nummeret er et fasttelefonnummer; vi tar bare imot norske mobilnumre."
	case ReasonM2M:
		return "Nummeret er et maskin-til-maskin-nummer (M2M/IoT); vi tar bare imot norske mobilnumre."
	case ReasonSpecial:
		return "Nummeret er et spesialnummer (for eksempel grønt nummer eller overtaksert tjeneste); vi tar bare imot norske mobilnumre."
	case ReasonShortCode:
		return "Nummeret er et kortnummer; vi tar bare imot norske mobilnumre med 8 sifre."
	case ReasonForeign:
		return "Vi tar ikke imot telefonnumre fra dette landet; bruk et norsk mobilnummer."
	case ReasonNotMobile:
		return "Det utenlandske nummeret er ikke et mobilnummer; vi tar bare imot mobilnumre."
	default:
		return "Dette er ikke et gyldig telefonnummer; vi tar bare imot norske mobilnumre."
	}
}

func (r Reason) messageEN() string {
	switch r {
	case ReasonEmpty:
		return "Please enter a Norwegian mobile number."
	case ReasonTooShort:
		return "The number has too few digits; Norwegian mobile numbers have 8 digits."
	case ReasonTooLong:
		return "The number has too many digits; Norwegian mobile numbers have 8 digits."
	case ReasonLandline:
		return "The number is a landline number; we only accept Norwegian mobile numbers."
	case ReasonM2M:
		return "The number is a machine-to-machine (M2M/IoT) number; we only accept Norwegian mobile numbers."
	case ReasonSpecial:
		return "The number is a special-service number (for example freephone or premium rate); we only accept Norwegian mobile numbers."
	case ReasonShortCode:
		return "The number is a short code; we only accept 8-digit Norwegian mobile numbers."
	case ReasonForeign:
		return "We do not accept phone numbers from this country; please use a Norwegian mobile number."
	case ReasonNotMobile:
		return "The foreign number is not a mobile number; we only accept mobile numbers."
	default:
		return "This is not a valid phone number; we only accept Norwegian mobile numbers."
	}
}

// isNorwegian reports whether the primary subtag of lang is nb, no or nn.
func isNorwegian(lang string) bool {
	primary, _, _ := strings.Cut(lang, "-")
	primary, _, _ = strings.Cut(primary, "_")
	return strings.EqualFold(primary, "nb") || strings.EqualFold(primary, "no") ||
		strings.EqualFold(primary, "nn")
}

// Error is the error returned by [Policy.Parse] for a rejected input. It
// carries only the [Reason]; neither Error nor the reason's messages contain
// any part of the input, so it is safe to log and to show to users.
//
// Use errors.As to read the reason, or errors.Is with a Reason constant:
//
//	if errors.Is(err, phone.ReasonLandline) { … }
type Error struct {
	// Reason is why the input was rejected.
	Reason Reason
}

// Error implements error.
func (e *Error) Error() string {
	return e.Reason.Error()
}

// Is reports whether target is the same [Reason] as e.Reason, or an [*Error]
// with the same reason.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case Reason:
		return e.Reason == t
	case *Error:
		return t != nil && e.Reason == t.Reason
	}
	return false
}
