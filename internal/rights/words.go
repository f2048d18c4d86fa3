// SPDX-License-Identifier: AGPL-3.0-only

package rights

import (
	"fmt"
	"strings"
	"unicode"
)

// Words maps what a person may write on WhatsApp to make a request to the
// request's type (R-09: a right exercised by automated means). A message
// matches when, set in capitals and stripped of punctuation, it is one of
// the words exactly.
type Words map[string]Type

// DefaultWords are the words in bokmål, nynorsk and English.
func DefaultWords() Words {
	return Words{
		"INNSYN": Access, "MINE DATA": Access, "HVA VET DERE OM MEG": Access, "ACCESS": Access, "MY DATA": Access,
		"SLETT MEG": Erasure, "SLETT MINE DATA": Erasure, "SLETT": Erasure, "DELETE ME": Erasure, "ERASE ME": Erasure,
		"DELETE MY DATA": Erasure,
		"RETTING":        Rectification, "RETT OPP": Rectification, "CORRECTION": Rectification, "RECTIFY": Rectification,
		"BEGRENS": Restriction, "BEGRENSNING": Restriction, "RESTRICT": Restriction, "RESTRICTION": Restriction,
		"DATAPORTABILITET": Portability, "PORTABILITY": Portability, "EXPORT MY DATA": Portability,
		"PROTEST": Objection, "PROTESTERER": Objection, "OBJECT": Objection, "OBJECTION": Objection,
	}
}

// Normalize is how a message and a word are compared: capitals, no
// punctuation or symbols, single spaces.
func Normalize(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return ' '
		}
		return unicode.ToUpper(r)
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// Match reports which request a message makes, if any.
func (w Words) Match(text string) (Type, bool) {
	if len(text) > 100 {
		return "", false
	}
	t, ok := w[Normalize(text)]
	return t, ok
}

// ParseWords reads "WORD=type,WORD=type" (SAMTYKKE_RIGHTS_WORDS): the words
// replace the defaults.
func ParseWords(spec string) (Words, error) {
	w := Words{}
	for _, item := range strings.Split(spec, ",") {
		word, typ, ok := strings.Cut(item, "=")
		word = Normalize(word)
		if !ok || word == "" {
			return nil, fmt.Errorf("%w: %q is not WORD=type", ErrInvalid, strings.TrimSpace(item))
		}
		t, err := ParseType(strings.TrimSpace(typ))
		if err != nil {
			return nil, err
		}
		w[word] = t
	}
	return w, nil
}
