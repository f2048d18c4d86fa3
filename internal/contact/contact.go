// SPDX-License-Identifier: AGPL-3.0-only

// Package contact describes a person on the list as the database holds them:
// a pseudonymous id, the number sealed under the contact's own key, a keyed
// blind index to find it, the preferred language and nothing a purpose does not
// declare (P-03).
package contact

import (
	"errors"
	"time"

	"github.com/samtykke/samtykke/internal/ledger"
)

// Contact is one person on the list. The clear number never appears here: the
// app opens PhoneCT with the contact's data key when it must.
type Contact struct {
	ID         string
	PhoneCT    []byte // E.164 number sealed under the data key
	KeyWrapped []byte // the data key, wrapped by the vault's KEK; nil once erased
	BlindIndex []byte // vault.BlindIndex of the E.164 number; nil once erased
	Region     string // ISO region of the number ("NO")
	Mobile     bool   // a +47 mobile number (G-03)
	Language   string // "nb" or "en"
	FieldsCT   []byte // declared extra fields (JSON), sealed; may be nil
	Restricted bool   // processing restricted (Art. 18)
	// Undeliverable counts the platform's "undeliverable" failures (131026)
	// in a row, with no message delivered between them (P-04).
	Undeliverable int
	CreatedAt     time.Time
	ErasedAt      time.Time // zero unless erased
	Head          ledger.Head
}

// Erased reports whether the contact's personal data was erased.
func (c Contact) Erased() bool { return !c.ErasedAt.IsZero() }

// UnreachableAfter is how many undeliverable failures in a row mark a number
// as not reachable on WhatsApp (P-04): one may be passing (an old app, terms
// not yet accepted), two in a row with nothing delivered between are not.
const UnreachableAfter = 2

// Unreachable reports whether WhatsApp could not deliver to the number
// UnreachableAfter times in a row, nothing delivered since: a message
// delivered or read, or a message from the person, ends it.
func (c Contact) Unreachable() bool { return c.Undeliverable >= UnreachableAfter }

// Languages are the languages a contact can have.
var Languages = []string{"nb", "en"}

// ErrLanguage is returned for a language other than nb or en.
var ErrLanguage = errors.New("language must be nb or en")

// CheckLanguage accepts "nb" and "en"; an empty language means nb.
func CheckLanguage(lang string) (string, error) {
	switch lang {
	case "", "nb", "no":
		return "nb", nil
	case "en":
		return "en", nil
	}
	return "", ErrLanguage
}

// AAD binds a sealed field to its contact and name, so a ciphertext cannot be
// moved to another contact or field.
func AAD(contactID, field string) []byte { return []byte(contactID + "/" + field) }
