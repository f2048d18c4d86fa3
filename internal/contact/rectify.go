// SPDX-License-Identifier: AGPL-3.0-only

package contact

import (
	"errors"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Data is the personal data of a contact that staff may correct,
// opened: the language and the declared fields. The number has its own
// path (NumberChange), since a new number must confirm first.
type Data struct {
	Language  string
	FirstName string
}

// Correction is a rectification: nil leaves a field as it is; an empty
// first name removes it.
type Correction struct {
	Language  *string
	FirstName *string
}

// Field names, as the ledger's evidence names what a rectification changed
// (never the values).
const (
	FieldLanguage  = "language"
	FieldFirstName = "first_name"
)

// MaxFirstName bounds a first name, in characters.
const MaxFirstName = 100

// Errors of Correction.Apply.
var (
	ErrNothingToCorrect = errors.New("give at least one of language and first_name")
	ErrFirstName        = errors.New("first_name must be one line of at most 100 characters")
)

// Apply returns d corrected and the names of the fields whose value changed,
// sorted; none when the correction gives the values d has already. The
// language is checked (CheckLanguage) and the first name trimmed and checked;
// whether a purpose declares the first name at all is the caller's to check
// (P-03).
func (c Correction) Apply(d Data) (Data, []string, error) {
	if c.Language == nil && c.FirstName == nil {
		return d, nil, ErrNothingToCorrect
	}
	out := d
	var changed []string
	if c.Language != nil {
		lang, err := CheckLanguage(*c.Language)
		if err != nil || *c.Language == "" {
			return d, nil, ErrLanguage
		}
		out.Language = lang
		if lang != d.Language {
			changed = append(changed, FieldLanguage)
		}
	}
	if c.FirstName != nil {
		name := strings.TrimSpace(*c.FirstName)
		if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxFirstName || strings.IndexFunc(name, unicode.IsControl) >= 0 {
			return d, nil, ErrFirstName
		}
		out.FirstName = name
		if name != d.FirstName {
			changed = append(changed, FieldFirstName)
		}
	}
	slices.Sort(changed)
	return out, changed, nil
}
