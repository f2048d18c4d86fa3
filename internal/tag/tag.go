// SPDX-License-Identifier: AGPL-3.0-only

// Package tag holds contact tags: short keys that a company declares in its
// configuration (SAMTYKKE_TAGS), each with a description in bokmål and
// English, and that a campaign may use to narrow its audience. A contact
// carries only declared tags (P-03: minimisation), so the declaration is the
// list of what is kept (Art. 30(1)(c)). Tags are not identifiers, but they
// may reveal something about a person: they stay out of logs.
package tag

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/samtykke/samtykke/internal/consent"
)

// Tag is one declared tag.
type Tag struct {
	Key         string       `json:"key"`
	Description consent.Text `json:"description"`
}

// MaxDescription is the longest description, in characters, of either language.
const MaxDescription = 200

// Errors, wrapped by every refusal of this package.
var (
	// ErrMalformed: a key does not match the pattern (KeyRule).
	ErrMalformed = errors.New("malformed tag")
	// ErrUndeclared: a well-formed key that the configuration does not declare.
	ErrUndeclared = errors.New("undeclared tag")
	// ErrDeclaration: the configuration's declaration itself is wrong.
	ErrDeclaration = errors.New("invalid tag declaration")
)

// KeyRule says in words what keyPattern accepts.
const KeyRule = "1 to 32 characters a-z, 0-9 and -, starting with a letter or digit"

var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// ValidKey reports whether s is a well-formed tag key.
func ValidKey(s string) bool { return keyPattern.MatchString(s) }

// Parse reads a declaration: a JSON array of {"key", "description": {"nb",
// "en"}}, the shape of a purpose's key and description. An empty or blank
// text declares no tags.
func Parse(s string) ([]Tag, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	var ts []Tag
	if err := dec.Decode(&ts); err != nil {
		return nil, fmt.Errorf("%w: want a JSON list of {\"key\", \"description\": {\"nb\", \"en\"}}: %v", ErrDeclaration, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: text after the JSON list", ErrDeclaration)
	}
	if len(ts) == 0 {
		return nil, nil
	}
	return ts, Validate(ts)
}

// Validate checks a declaration: well-formed keys, each once, and a short
// description in both languages.
func Validate(ts []Tag) error {
	seen := map[string]bool{}
	for _, t := range ts {
		bad := func(format string, a ...any) error {
			return fmt.Errorf("%w: tag %q: %s", ErrDeclaration, t.Key, fmt.Sprintf(format, a...))
		}
		switch {
		case !ValidKey(t.Key):
			return bad("key must be %s", KeyRule)
		case seen[t.Key]:
			return bad("declared twice")
		case strings.TrimSpace(t.Description.NB) == "" || strings.TrimSpace(t.Description.EN) == "":
			return bad("description needs both nb and en")
		case utf8.RuneCountInString(t.Description.NB) > MaxDescription || utf8.RuneCountInString(t.Description.EN) > MaxDescription:
			return bad("description is longer than %d characters", MaxDescription)
		}
		seen[t.Key] = true
	}
	return nil
}

// Keys are the declared keys, in declaration order.
func Keys(declared []Tag) []string {
	out := make([]string, len(declared))
	for i, t := range declared {
		out[i] = t.Key
	}
	return out
}

// Check returns keys sorted and without repeats, or an error naming the first
// key that is malformed (ErrMalformed) or not declared (ErrUndeclared). No
// keys gives an empty, non-nil list.
func Check(declared []Tag, keys []string) ([]string, error) {
	out := make([]string, 0, len(keys))
	for i, k := range keys {
		if !ValidKey(k) {
			return nil, fmt.Errorf("%w: tags[%d] %s must be %s", ErrMalformed, i, show(k), KeyRule)
		}
		if !slices.ContainsFunc(declared, func(t Tag) bool { return t.Key == k }) {
			if len(declared) == 0 {
				return nil, fmt.Errorf("%w: tags[%d] %s: no tags are declared (SAMTYKKE_TAGS)", ErrUndeclared, i, show(k))
			}
			return nil, fmt.Errorf("%w: tags[%d] %s is not declared in SAMTYKKE_TAGS (declared: %s)", ErrUndeclared, i, show(k),
				strings.Join(Keys(declared), ", "))
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// show quotes a refused key for an error message, unless it is long or holds
// enough digits to be a phone number: errors never carry numbers.
func show(k string) string {
	digits := 0
	for _, r := range k {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	if digits >= 6 || len(k) > 40 || !utf8.ValidString(k) {
		return "(value not shown)"
	}
	return strconv.Quote(k)
}
