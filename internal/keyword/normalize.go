// SPDX-License-Identifier: AGPL-3.0-only

package keyword

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Character classes of the tokenizer.
const (
	cSep    uint8 = iota // ends a word: white space, symbols, emoji, most punctuation
	cWord                // part of a word: letters and digits
	cDrop                // ignored inside a word: apostrophes, soft hyphen, combining marks
	cBreak               // ends a word and a sentence: . ! ? ; : and line breaks
	cClause              // ends a word and a clause: commas, dashes, brackets
)

// asciiClass is the class of each ASCII byte. It is never modified.
var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := range utf8.RuneSelf {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			t[c] = cWord
		case c == '\'' || c == '`':
			t[c] = cDrop
		case c == '.' || c == '!' || c == '?' || c == ';' || c == ':' || c == '\n' || c == '\r':
			t[c] = cBreak
		case c == ',' || c == '(' || c == ')':
			t[c] = cClause
		default:
			t[c] = cSep
		}
	}
	return t
}()

// class returns the character class of a rune of NFKC-normalised text.
func class(r rune) uint8 {
	if r < utf8.RuneSelf {
		return asciiClass[r]
	}
	switch r {
	case '\u2018', '\u2019', '\u02bc', '\u02bb', '\u2032', '\u00ad':
		// Typographic apostrophes, the modifier-letter apostrophe (a letter
		// in Unicode), the prime and the soft hyphen.
		return cDrop
	case '\u0085', '\u2028', '\u2029', '\u3002':
		// Next line, line and paragraph separators, ideographic full stop.
		return cBreak
	case '\u2013', '\u2014', '\u3001':
		// En and em dash, ideographic comma.
		return cClause
	}
	switch {
	case unicode.IsLetter(r), unicode.IsNumber(r):
		return cWord
	case unicode.In(r, unicode.Mn, unicode.Me):
		// Combining marks left over after NFKC, including the emoji
		// variation selectors and the keycap mark.
		return cDrop
	default:
		// Symbols and emoji (S*), punctuation (P*), spaces (Z*), control,
		// format (zero-width space and joiners, bidi marks), private-use,
		// unassigned and invalid (utf8.RuneError) code points.
		return cSep
	}
}

// token is one word of a normalised message.
type token struct {
	ls, le int32 // the lower-cased word: scratch.low[ls:le]
	fs, fe int32 // the folded word used for look-ups: scratch.fold[fs:fe]
	seg    int32 // sentence number
	clause int32 // clause number: sentences and clauses both end a clause
	id     int32 // vocabulary id of the folded word, or -1
	code   bool  // the word is shaped like a code (see isCode)
}

// scratch holds the buffers of one classification. Matchers keep them in a
// sync.Pool so that Classify does not allocate.
type scratch struct {
	text []byte  // the NFKC-normalised message
	low  []byte  // lower-cased words, concatenated
	fold []byte  // folded words, concatenated
	toks []token // the words of the message
	dp   []uint8 // per-word state of Matcher.parse
}

// maxPooledBytes caps the buffers a scratch may keep when it goes back to
// the pool, so that one huge message does not pin memory.
const maxPooledBytes = 64 << 10

// tokenize splits text into normalised words, filling s.toks, s.low and
// s.fold. Word ids are left at -1.
func (s *scratch) tokenize(text string) {
	s.text = norm.NFKC.AppendString(s.text[:0], text)
	s.low, s.fold, s.toks = s.low[:0], s.fold[:0], s.toks[:0]
	b := s.text
	var seg, clause int32
	inWord := false
	start := 0
	for i := 0; i < len(b); {
		r, w := rune(b[i]), 1
		if r >= utf8.RuneSelf {
			r, w = utf8.DecodeRune(b[i:])
		}
		i += w
		c := class(r)
		if c == cSep && r == ' ' && i < len(b) && b[i] >= utf8.RuneSelf {
			// NFKC turns a spacing accent such as "´" (often typed as an
			// apostrophe: "don´t") into a space and a combining mark; drop
			// both.
			if next, _ := utf8.DecodeRune(b[i:]); unicode.Is(unicode.Mn, next) {
				c = cDrop
			}
		}
		switch c {
		case cWord:
			if !inWord {
				inWord, start = true, len(s.low)
			}
			if r < utf8.RuneSelf {
				if 'A' <= r && r <= 'Z' {
					r += 'a' - 'A'
				}
				s.low = append(s.low, byte(r))
			} else {
				s.low = utf8.AppendRune(s.low, unicode.ToLower(r))
			}
		case cDrop:
		case cSep, cBreak, cClause:
			if inWord {
				s.endWord(start, seg, clause)
				inWord = false
			}
			if c == cBreak {
				seg++
			}
			if c != cSep {
				clause++
			}
		}
	}
	if inWord {
		s.endWord(start, seg, clause)
	}
}

// endWord records the word s.low[start:] as a token of sentence seg and
// clause clause.
func (s *scratch) endWord(start int, seg, clause int32) {
	low := s.low[start:]
	fs := len(s.fold)
	s.fold = appendFolded(s.fold, low)
	s.toks = append(s.toks, token{
		ls: int32(start), le: int32(len(s.low)),
		fs: int32(fs), fe: int32(len(s.fold)),
		seg: seg, clause: clause, id: -1, code: isCode(low),
	})
}

// appendFolded appends the look-up form of the lower-cased word w to dst:
// "å" becomes "a", a run of "a" becomes one "a" (so "aa", the old spelling
// of "å", and "a", the spelling of phones without "å", both match "å"), and
// a run of three or more of any other letter becomes two.
func appendFolded(dst, w []byte) []byte {
	var prev rune = -1
	run := 0
	for i := 0; i < len(w); {
		r, n := rune(w[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(w[i:])
		}
		i += n
		if r == 'å' {
			r = 'a'
		}
		if r == prev {
			run++
		} else {
			prev, run = r, 1
		}
		if (r == 'a' && run > 1) || run > 2 {
			continue
		}
		if r < utf8.RuneSelf {
			dst = append(dst, byte(r))
		} else {
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// isCode reports whether the lower-cased word w is shaped like a one-time
// or campaign code: 4 to 12 ASCII letters and digits with at least one of
// each, or 4 to 8 digits. Requiring a digit keeps ordinary words such as
// "men" in "Ja, men hva koster det?" from being taken for a code.
func isCode(w []byte) bool {
	if len(w) < 4 || len(w) > 12 {
		return false
	}
	letters, digits := 0, 0
	for _, c := range w {
		switch {
		case '0' <= c && c <= '9':
			digits++
		case 'a' <= c && c <= 'z':
			letters++
		default:
			return false
		}
	}
	if letters == 0 {
		return len(w) <= 8
	}
	return digits > 0
}

// release prepares s to go back to a pool; it reports false if s grew too
// large to keep.
func (s *scratch) release() bool {
	return cap(s.text) <= maxPooledBytes && cap(s.low) <= maxPooledBytes &&
		cap(s.fold) <= maxPooledBytes && cap(s.toks) <= maxPooledBytes/8 &&
		cap(s.dp) <= maxPooledBytes
}
